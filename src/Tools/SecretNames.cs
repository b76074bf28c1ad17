namespace ToolFlow.Tools;

/// <summary>Names the file tools hide unless <see cref="BuiltInToolsOptions.AllowHidden"/>: dot-files and common secret files.</summary>
internal static class SecretNames
{
    private static readonly HashSet<string> s_names = new(StringComparer.OrdinalIgnoreCase)
    {
        "credentials", "credentials.json", "credentials.yml", "credentials.yaml", "credentials.xml",
        "secrets.json", "secrets.yml", "secrets.yaml", "secrets.toml",
        "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk",
        "authorized_keys", "known_hosts", "_netrc", "_pgpass", "htpasswd",
    };

    private static readonly string[] s_suffixes =
    [
        ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".ppk", ".gpg", ".asc", ".env", ".tfstate", ".tfvars",
    ];

    /// <summary>Whether one name (a single path part) is hidden.</summary>
    public static bool IsHidden(string name) =>
        name.Length > 0 && name is not "." and not ".." &&
        (name[0] == '.' || s_names.Contains(name) || name.StartsWith("id_rsa", StringComparison.OrdinalIgnoreCase) ||
         s_suffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The first hidden part of a path relative to the root, or <see langword="null"/>.</summary>
    public static string? FirstHidden(string relative) =>
        relative.Split(['/', Path.DirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(IsHidden);
}
