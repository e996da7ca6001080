// Every test here boots TCG guests, which use whole cores; two test classes booting at once would only
// make each boot slower and the run's length harder to predict, so the classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
