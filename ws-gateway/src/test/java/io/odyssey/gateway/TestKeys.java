package io.odyssey.gateway;

import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.runtime.SecretFile;

import java.nio.file.Path;

/**
 * Keys for test stacks, made the way `./odyssey up` makes them (owner-only files through {@link SecretFile}). One place,
 * so that every test that orders drones authorises its commands alike.
 */
public final class TestKeys
{
    private TestKeys()
    {
    }

    /**
     * The command key of one test stack: the gateways and ingest nodes of a stack must share it, so it is named by the
     * stack (its cluster name, or the test's name) and made once, in the temporary directory.
     */
    public static synchronized String commandKeyFile(final String stack)
    {
        final Path file = Path.of(System.getProperty("java.io.tmpdir"), "odyssey-" + stack + "-command.key");
        SecretFile.readOrCreate(CommandAuthority.KEY_FILE, file, 32);
        return file.toString();
    }
}
