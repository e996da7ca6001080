Console.Error.WriteLine("rewind: the CLI is being built");
return 2;
