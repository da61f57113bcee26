package io.odyssey.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * A secret kept in a file of its own: one line of hex (e.g. 64 digits for 32 bytes), readable by its owner only.
 * Every key a process holds (gateway keys, drone keys' key-encryption key, database passwords) is read through here,
 * so that the same rules hold everywhere: the file must not be readable by group or others (as ssh insists for its
 * keys), the sample placeholders ({@code change-me...}) are refused with the setting's name, and a secret is never put
 * in a message, only the file's path.
 */
public final class SecretFile
{
    private static final Set<PosixFilePermission> OTHERS = Set.of(
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final String PLACEHOLDER = "change-me";
    /** Files this large cannot be one secret: refuse before reading a stray big file into memory. */
    private static final long MAX_FILE_BYTES = 4096;

    private SecretFile()
    {
    }

    /**
     * Reads a secret of at least {@code minBytes} bytes from {@code file}, named by {@code setting}.
     *
     * @throws ConfigurationException naming the setting and the file (never the secret) when the file is missing,
     *                                readable by others, a placeholder, not hex, or too short.
     */
    public static byte[] read(final Setting setting, final Path file, final int minBytes)
    {
        final String text = readText(setting, file, MAX_FILE_BYTES);
        if (text.startsWith(PLACEHOLDER))
        {
            throw setting.invalid(file.toString(), "a file holding a real secret, not the sample's change-me placeholder");
        }
        final byte[] secret;
        try
        {
            secret = HexFormat.of().parseHex(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw setting.invalid(file.toString(), "a file holding one line of hex digits");
        }
        if (secret.length < minBytes)
        {
            throw setting.invalid(file.toString(), "a file holding at least " + minBytes + " bytes (" + 2 * minBytes +
                " hex digits), e.g. from `openssl rand -hex " + minBytes + "`");
        }
        return secret;
    }

    /**
     * The lines of a file holding many secrets (e.g. one key per drone), with the same rules as one secret: owner-only
     * mode, at most {@code maxBytes}, no sample placeholder anywhere. Parsing the lines is the caller's business; its
     * messages must name the line number, never the line.
     */
    public static java.util.List<String> readLines(final Setting setting, final Path file, final long maxBytes)
    {
        final String text = readText(setting, file, maxBytes);
        if (text.contains(PLACEHOLDER))
        {
            throw setting.invalid(file.toString(), "a file holding real secrets, not the sample's change-me placeholder");
        }
        return text.lines().toList();
    }

    /**
     * Refuses a secret given inline (a database password in a variable) that is still a sample's {@code change-me...}
     * placeholder, naming the setting and never echoing the value: the same rule as for secret files.
     */
    public static void refusePlaceholder(final Setting setting, final String value)
    {
        if (value != null && value.strip().startsWith(PLACEHOLDER))
        {
            throw setting.invalid("(the value, not shown)", "a generated secret, not the sample's change-me placeholder " +
                "(e.g. openssl rand -hex 16)");
        }
    }

    /**
     * The secret in {@code file}, first made with {@code bytes} random bytes (mode 0600) when the file does not exist:
     * what `./odyssey up` does once per data directory.
     */
    public static byte[] readOrCreate(final Setting setting, final Path file, final int bytes)
    {
        if (!Files.exists(file))
        {
            final byte[] secret = new byte[bytes];
            new SecureRandom().nextBytes(secret);
            write(file, secret);
        }
        return read(setting, file, bytes);
    }

    /**
     * Makes a key file once, as `./odyssey up` does per data directory: {@code SecretFile SETTING_NAME FILE [BYTES]}
     * creates FILE with BYTES (default 32) random bytes, mode 600, unless it exists, then checks it as the process that
     * names it by SETTING_NAME will. Prints nothing of the secret; exits 2 with the reason when the file is refused.
     */
    public static void main(final String[] args)
    {
        if (args.length < 2 || args.length > 3)
        {
            System.err.println("usage: SecretFile SETTING_NAME FILE [BYTES]");
            System.exit(2);
        }
        try
        {
            final int bytes = args.length == 3 ? Integer.parseInt(args[2]) : 32;
            readOrCreate(Setting.of(args[0], "", "a key file"), Path.of(args[1]), bytes);
        }
        catch (final ConfigurationException | NumberFormatException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
    }

    /** Writes {@code secret} as hex to a new file readable by its owner only (created so; never widened first). */
    public static void write(final Path file, final byte[] secret)
    {
        try
        {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null)
            {
                Files.createDirectories(parent);
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.US_ASCII);
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new ConfigurationException(file + " already exists: a secret is never overwritten");
        }
        catch (final IOException ex)
        {
            throw new ConfigurationException("cannot write the secret file " + file + ": " + ex.getMessage());
        }
    }

    private static String readText(final Setting setting, final Path file, final long maxBytes)
    {
        try
        {
            if (!Files.isRegularFile(file))
            {
                throw setting.invalid(file.toString(), "an existing file holding the secret");
            }
            final Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(OTHERS::contains))
            {
                throw setting.invalid(file.toString(), "a file only its owner can read (chmod 600 " + file + "; it is " +
                    PosixFilePermissions.toString(mode) + ")");
            }
            if (Files.size(file) > maxBytes)
            {
                throw setting.invalid(file.toString(), "a file of at most " + maxBytes + " bytes");
            }
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        catch (final IOException ex)
        {
            throw setting.invalid(file.toString(), "a readable file (" + ex.getClass().getSimpleName() + ")");
        }
    }
}
