using Rewind.Engine;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Tests;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(ErrorKind.Checksum, false, 5u)]
    [InlineData(ErrorKind.IO, true, 5u)]
    [InlineData(ErrorKind.OutOfRange, false, 22u)]
    [InlineData(ErrorKind.OutOfRange, true, 28u)]
    [InlineData(ErrorKind.ReadOnly, true, 1u)]
    [InlineData(ErrorKind.NoSpace, true, 28u)]
    [InlineData(ErrorKind.InvalidArgument, false, 22u)]
    [InlineData(ErrorKind.NotFound, false, 22u)]
    public void EngineErrorsBecomeTheWireErrorsTheSpecNames(ErrorKind kind, bool writesData, uint expectedErrno)
    {
        var (error, action) = ErrorMapping.Map(new RewindException(kind, "x"), writesData);
        Assert.Equal(expectedErrno, (uint)error);
        Assert.Equal(FailureAction.Reply, action);
    }

    [Fact]
    public void AStaleHandleOrAClosedPoolEndsTheConnection()
    {
        Assert.Equal(FailureAction.Disconnect, ErrorMapping.Map(new RewindException(ErrorKind.Stale, "x"), false).Action);
        Assert.Equal(FailureAction.Disconnect, ErrorMapping.Map(new ObjectDisposedException("pool"), true).Action);
    }

    [Fact]
    public void EveryErrorKindHasAnEntry()
    {
        foreach (var kind in Enum.GetValues<ErrorKind>())
            Assert.NotEqual(NbdError.None, ErrorMapping.Map(new RewindException(kind, "x"), false).Error);
    }
}
