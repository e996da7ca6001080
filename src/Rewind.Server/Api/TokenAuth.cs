using System.Security.Cryptography;
using System.Text;

namespace Rewind.Server.Api;

/// <summary>
/// Requests over TCP must carry "Authorization: Bearer TOKEN". The unix socket needs none: it lives in
/// the pool directory and the filesystem's permissions already decide who may connect.
/// </summary>
public static class TokenAuth
{
    public static void Use(WebApplication app, string? token)
    {
        app.Use(async (ctx, next) =>
        {
            bool overTcp = ctx.Connection.RemoteIpAddress != null;
            if (overTcp)
            {
                string header = ctx.Request.Headers.Authorization.ToString();
                const string prefix = "Bearer ";
                bool ok = token != null && header.StartsWith(prefix, StringComparison.Ordinal)
                          && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()), Encoding.UTF8.GetBytes(token));
                if (!ok)
                {
                    ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await ctx.Response.WriteAsJsonAsync(new ErrorBody(new ErrorDetail("Unauthorized",
                        "the API over TCP needs 'Authorization: Bearer TOKEN'; the token is in the file given by --api-token-file (default: api.token in the pool directory)")));
                    return;
                }
            }
            await next();
        });
    }

    /// <summary>Reads the token file, creating it (mode 0600, 32 random bytes as hex) when missing.</summary>
    public static string LoadOrCreate(string path)
    {
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        string token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        using (var stream = new FileStream(path, new FileStreamOptions
               {
                   Mode = FileMode.CreateNew, Access = FileAccess.Write,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        using (var writer = new StreamWriter(stream)) writer.WriteLine(token);
        return token;
    }
}
