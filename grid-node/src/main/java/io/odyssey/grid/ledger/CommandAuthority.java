package io.odyssey.grid.ledger;

import io.odyssey.grid.trust.RecordSeal;
import io.odyssey.runtime.SecretFile;
import io.odyssey.runtime.Setting;

import java.nio.file.Path;

/**
 * Who may put an order in the ledger that a drone will obey. The ledger lives in the grid, which any process that
 * reaches a member can write (open-source Hazelcast has no authentication), so a command's authority cannot be where
 * it is stored: each command carries a seal ({@link RecordSeal}, HMAC-SHA256) over what it orders — id, drone, type,
 * parameters, issuer, issue time and expiry — made with the command key, which gateways (for the orders they accept)
 * and ingest nodes (for the drones' own commands and geofence orders they record) hold and the grid does not. Ingest
 * relays only commands whose seal verifies. The state, progress and delivery fields are left out on purpose: the
 * relays change them as the command moves on, and changing them cannot make a drone do anything it was not ordered to.
 */
public final class CommandAuthority
{
    /** Gateways and ingest nodes name the same file: one key per fleet. */
    public static final Setting KEY_FILE = Setting.of("ODYSSEY_COMMAND_KEY_FILE", "",
        "File holding the command key (64+ hex digits, owner-only mode) that gateways and ingest nodes seal and check " +
            "ledger commands with, so a command written straight into the grid never reaches a drone; the same file " +
            "on every gateway and ingest node; empty = no command is accepted (gateway 503) or relayed (refused)");
    private static final String PURPOSE = "odyssey.command.v1";

    private final RecordSeal seal;

    public CommandAuthority(final byte[] key)
    {
        this.seal = new RecordSeal(key, PURPOSE);
    }

    /** The authority of the key file {@code path} names, or null when {@code path} is empty (no key configured). */
    public static CommandAuthority fromFile(final String path)
    {
        if (path == null || path.isBlank())
        {
            return null;
        }
        return new CommandAuthority(SecretFile.read(KEY_FILE, Path.of(path), RecordSeal.MIN_KEY_BYTES));
    }

    /**
     * {@code command}, authorised: as an order when it is active, as a refusal when it is recorded final (refused before
     * it was sent, e.g. by a geofence). The seal leaves the state out, so a refusal sealed as an order could be copied
     * back by a grid client as {@code ISSUED} and be flown; sealed as a refusal, it never verifies as an order.
     */
    public CommandRecord authorise(final CommandRecord command)
    {
        return command.withAuthorisation(seal.seal(command.active() ? fields(command) : refusalFields(command)));
    }

    /** True when {@code command} carries this key's seal over what it orders: a relay may act on it. */
    public boolean verifies(final CommandRecord command)
    {
        return seal.verifies(command.authorisation(), fields(command));
    }

    /**
     * True when {@code command} was recorded by a holder of this key, as an order or as a refusal: genuine history,
     * which lists may show. Only {@link #verifies} makes it an order.
     */
    public boolean authentic(final CommandRecord command)
    {
        return verifies(command) || seal.verifies(command.authorisation(), refusalFields(command));
    }

    private static Object[] refusalFields(final CommandRecord command)
    {
        final Object[] order = fields(command);
        final Object[] refusal = java.util.Arrays.copyOf(order, order.length + 1);
        refusal[order.length] = "recorded final";
        return refusal;
    }

    private static Object[] fields(final CommandRecord command)
    {
        return new Object[]{command.id(), command.droneId(), command.type() == null ? null : command.type().wireName(),
            CommandParametersJson.text(command.parameters()), command.issuedBy(),
            command.issuedAtNanos(), command.expiresAtNanos()};
    }
}
