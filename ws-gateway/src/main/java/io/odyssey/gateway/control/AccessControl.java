package io.odyssey.gateway.control;

import com.hazelcast.map.IMap;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Setting;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Bearer tokens and the Origin allow-list. Tokens are known by the SHA-256 digest of their secret only: those from the
 * configuration ({@code name:role:secret}, from an environment variable or a file) are hashed at start, those created
 * through the API are kept in the grid as digests ({@code IMap<String, String>} name → "role digest"), so every
 * gateway knows them and no secret is stored anywhere: {@code IMap<String, String>} digest → "role name", so checking a
 * token is one lookup by digest, never a scan, and says nothing about the secret through its timing.
 */
public final class AccessControl
{
    /** What a secret may be made of: header-, subprotocol- and shell-safe. */
    public static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{16,256}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Principal> configured = new LinkedHashMap<>();
    private final IMap<String, String> created;
    private final Role anonymousRole;
    private final Set<String> allowedOrigins;

    /**
     * @param tokens        "name:role:secret" entries from the configuration.
     * @param created       the grid's token map (tokens created through the API), or null for none.
     * @param anonymousRole the role of requests without a token, or null to refuse them.
     */
    public AccessControl(
        final List<String> tokens, final IMap<String, String> created, final Role anonymousRole,
        final Set<String> allowedOrigins, final Setting source)
    {
        for (final String entry : tokens)
        {
            final String[] parts = entry.trim().split(":", 3);
            final Role role = parts.length == 3 ? Role.parse(parts[1]) : null;
            if (parts.length != 3 || role == null || !NAME.matcher(parts[0]).matches() ||
                !SECRET.matcher(parts[2]).matches() || parts[2].startsWith("change-me"))
            {
                // Never echo the entry: it holds a secret.
                throw source.invalid("(a token entry, not shown)",
                    "name:role:secret with role viewer, operator or admin and a secret of 16+ characters [A-Za-z0-9_-] " +
                    "(the change-me placeholders of the sample manifests are refused: replace them)");
            }
            configured.put(digest(parts[2]), new Principal(parts[0], role));
        }
        this.created = created;
        this.anonymousRole = anonymousRole;
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** Reads a token file: one {@code name:role:secret} per line, blank lines and {@code #} comments ignored. */
    public static List<String> readTokenFile(final Path file, final Setting setting)
    {
        try
        {
            final List<String> entries = new ArrayList<>();
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final String trimmed = line.trim();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#"))
                {
                    entries.add(trimmed);
                }
            }
            return entries;
        }
        catch (final IOException ex)
        {
            throw new ConfigurationException(setting.envName() + ": cannot read token file " + file + ": " + ex.getMessage());
        }
    }

    /**
     * @param secret the bearer token presented, or null when none was.
     * @return who it is; the anonymous principal (if allowed) for no token; null for an unknown token or no token
     *         when anonymous requests are refused.
     */
    public Principal authenticate(final String secret)
    {
        if (secret == null || secret.isEmpty())
        {
            return anonymousRole == null ? null : new Principal("anonymous", anonymousRole);
        }
        if (!SECRET.matcher(secret).matches())
        {
            return null;
        }
        final String digest = digest(secret);
        final Principal known = configured.get(digest);
        if (known != null)
        {
            return known;
        }
        if (created != null)
        {
            final String roleAndName = created.get(digest);
            if (roleAndName != null)
            {
                final String[] parts = roleAndName.split(" ", 2);
                final Role role = Role.parse(parts[0]);
                return role == null || parts.length != 2 ? null : new Principal(parts[1], role);
            }
        }
        return null;
    }

    /** True when a request may come from {@code origin}: no Origin (not a browser), or one on the allow-list. */
    public boolean originAllowed(final String origin)
    {
        return origin == null || allowedOrigins.contains(origin);
    }

    public boolean anonymousAllowed()
    {
        return anonymousRole != null;
    }

    /** Configured tokens and created ones: name, role, source; never secrets or digests. */
    public List<Map<String, String>> list()
    {
        final List<Map<String, String>> tokens = new ArrayList<>();
        for (final Principal principal : configured.values())
        {
            tokens.add(Map.of("name", principal.name(), "role", principal.role().wireName(), "source", "configuration"));
        }
        if (created != null)
        {
            for (final String roleAndName : created.values())
            {
                final String[] parts = roleAndName.split(" ", 2);
                tokens.add(Map.of("name", parts[1], "role", parts[0], "source", "api"));
            }
        }
        return tokens;
    }

    /**
     * Creates a token in the grid.
     *
     * @return the secret, shown once.
     */
    public String create(final String name, final Role role)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new ApiError(400, "a token name is 1 to 64 characters of [A-Za-z0-9_.@-]");
        }
        if (created == null)
        {
            throw new ApiError(503, "tokens cannot be created without the grid");
        }
        for (final Principal principal : configured.values())
        {
            if (principal.name().equals(name))
            {
                throw new ApiError(409, "a configured token is named '" + name + "'");
            }
        }
        for (final String roleAndName : created.values())
        {
            if (roleAndName.endsWith(" " + name))
            {
                throw new ApiError(409, "a token named '" + name + "' exists; delete it first");
            }
        }
        final String secret = newSecret();
        created.set(digest(secret), role.wireName() + " " + name);
        return secret;
    }

    /** @return true when a created token of that name existed. */
    public boolean delete(final String name)
    {
        if (created == null)
        {
            return false;
        }
        boolean removed = false;
        for (final Map.Entry<String, String> entry : created.entrySet())
        {
            if (entry.getValue().endsWith(" " + name))
            {
                removed |= created.remove(entry.getKey()) != null;
            }
        }
        return removed;
    }

    public static String newSecret()
    {
        final byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String digest(final String secret)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
