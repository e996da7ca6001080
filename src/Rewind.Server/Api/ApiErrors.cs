using Rewind.Engine;

namespace Rewind.Server.Api;

/// <summary>The one table from engine errors to HTTP statuses; the CLI maps the kind back to its exit code.</summary>
public static class ApiErrors
{
    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => StatusCodes.Status400BadRequest,
        ErrorKind.OutOfRange => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.AlreadyExists => StatusCodes.Status409Conflict,
        ErrorKind.Busy => StatusCodes.Status409Conflict,
        ErrorKind.Stale => StatusCodes.Status409Conflict,
        ErrorKind.ReadOnly => StatusCodes.Status403Forbidden,
        ErrorKind.NoSpace => StatusCodes.Status507InsufficientStorage,
        ErrorKind.Checksum => StatusCodes.Status500InternalServerError,
        ErrorKind.IO => StatusCodes.Status500InternalServerError,
        ErrorKind.HookFailed => StatusCodes.Status424FailedDependency,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult From(RewindException e) =>
        Results.Json(new ErrorBody(new ErrorDetail(e.Kind.ToString(), e.Message)), statusCode: StatusFor(e.Kind));

    public static IResult Usage(string message) =>
        Results.Json(new ErrorBody(new ErrorDetail("Usage", message)), statusCode: StatusCodes.Status400BadRequest);
}

public sealed record ErrorDetail(string Kind, string Message);

public sealed record ErrorBody(ErrorDetail Error);
