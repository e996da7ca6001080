using Rewind.Management;

namespace Rewind.Server.Api;

/// <summary>
/// Who a request acts for, for the audit log and each snapshot's "created by". On the unix socket the
/// caller may say (X-Rewind-User): the socket is private to the pool's owner, who is trusted to name
/// themselves. Over TCP the bearer token is the only identity there is.
/// </summary>
public static class Actor
{
    public const string Header = "X-Rewind-User";

    public static void Use(WebApplication app, Site site)
    {
        app.Use(async (ctx, next) =>
        {
            bool overTcp = ctx.Connection.RemoteIpAddress != null;
            string? claimed = ctx.Request.Headers[Header].ToString();
            string user = overTcp ? $"api-token@{ctx.Connection.RemoteIpAddress}"
                : string.IsNullOrWhiteSpace(claimed) ? "api" : claimed.Trim();
            using (site.ActingAs(user)) await next();
        });
    }
}
