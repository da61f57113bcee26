package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.grid.trust.DroneKeyRecord;
import io.odyssey.grid.trust.DroneKeyVault;
import io.odyssey.runtime.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * A drone's link keys through the API ({@code /api/v1/drones/{id}/keys}, admin only; docs/api/commands.md, "Drone
 * keys"): add, rotate (the old key stays valid for a grace period), revoke, and list without the secrets. Records are
 * sealed ({@link DroneKeyVault}) into the grid, where every ingest node picks them up within moments. A new secret is
 * answered once and never logged; changes are compare-and-set on the record, so two admins cannot lose one another's.
 */
public final class DroneKeyAdmin
{
    /** Default grace of a rotation: long enough for a drone to be given its new key, short enough to matter. */
    public static final long DEFAULT_GRACE_S = 300;
    /** A week: a longer overlap is a second key, not a grace period. */
    public static final long MAX_GRACE_S = 7 * 24 * 3600;
    private static final Logger LOG = LoggerFactory.getLogger(DroneKeyAdmin.class);

    private final IMap<Long, String> records;
    private final DroneKeyVault vault;
    private final LongSupplier epochMillis;
    private final Counter added;
    private final Counter rotated;
    private final Counter revoked;
    private final Counter unreadable;

    /** @param vault null when the gateway holds no command key: every request is then answered 503. */
    public DroneKeyAdmin(final IMap<Long, String> records, final DroneKeyVault vault, final LongSupplier epochMillis,
        final io.odyssey.runtime.Metrics metrics)
    {
        this.records = records;
        this.vault = vault;
        this.epochMillis = epochMillis;
        final String name = "odyssey_gateway_drone_key_changes_total";
        final String help = "Drone key changes made through the API, by action";
        this.added = metrics.counter(name, help, "action=\"added\"");
        this.rotated = metrics.counter(name, help, "action=\"rotated\"");
        this.revoked = metrics.counter(name, help, "action=\"revoked\"");
        this.unreadable = metrics.counter("odyssey_gateway_drone_key_records_unreadable_total",
            "Drone key records in the grid that do not open under the command key (planted or altered by a grid client)");
    }

    /** GET: the drone's key ids and times, never a key. */
    ObjectNode list(final long droneId)
    {
        final DroneKeyRecord record = existing(droneId, read(droneId));
        final ObjectNode result = CommandJson.JSON.createObjectNode();
        result.put("droneId", droneId);
        final ArrayNode keys = result.putArray("keys");
        final ObjectNode current = keys.addObject();
        current.put("keyId", record.keyId());
        current.put("state", "current");
        current.put("created", Instant.ofEpochSecond(record.createdEpochS()).toString());
        final long now = epochMillis.getAsLong() / 1000;
        if (record.previousHex() != null && record.previousUntilEpochS() > now)
        {
            final ObjectNode previous = keys.addObject();
            previous.put("state", "previous");
            previous.put("validUntil", Instant.ofEpochSecond(record.previousUntilEpochS()).toString());
        }
        return result;
    }

    /** POST: a key for a drone without one (never had one, or revoked). */
    ObjectNode add(final long droneId, final String admin)
    {
        final Read read = read(droneId);
        if (read.record != null && !read.record.revoked())
        {
            throw new Problem(409, "KEY_EXISTS", "drone " + droneId + " has a key already: rotate it instead", null);
        }
        final String fresh = io.odyssey.codecs.sign.DroneKeys.freshKeyHex();
        final DroneKeyRecord record = new DroneKeyRecord(droneId, nextKeyId(read), epochMillis.getAsLong() / 1000,
            fresh, null, 0);
        write(droneId, read.sealed, record);
        added.increment();
        LOG.info("drone {} key {} added by {}{}", droneId, record.keyId(), admin,
            read.sealed != null && read.record == null ? " (over a record that did not open)" : "");
        return answer(record);
    }

    /** POST .../rotate: a new key; the old one is still accepted for {@code graceS} seconds. */
    ObjectNode rotate(final long droneId, final JsonNode body, final String admin)
    {
        final long graceS = grace(body);
        final Read read = read(droneId);
        final DroneKeyRecord old = existing(droneId, read);
        final long now = epochMillis.getAsLong() / 1000;
        final DroneKeyRecord record = new DroneKeyRecord(droneId, nextKeyId(read), now, io.odyssey.codecs.sign.DroneKeys.freshKeyHex(),
            graceS == 0 ? null : old.currentHex(), graceS == 0 ? 0 : now + graceS);
        write(droneId, read.sealed, record);
        rotated.increment();
        LOG.info("drone {} key rotated to key {} by {}, previous key valid for {} s", droneId, record.keyId(), admin,
            graceS);
        final ObjectNode answer = answer(record);
        if (graceS > 0)
        {
            answer.put("previousKeyValidUntil", Instant.ofEpochSecond(record.previousUntilEpochS()).toString());
        }
        return answer;
    }

    /** DELETE: no key at all from now on; the drone's frames are refused (UNKNOWN_KEY). */
    void revoke(final long droneId, final String admin)
    {
        final Read read = read(droneId);
        existing(droneId, read);
        final DroneKeyRecord record = new DroneKeyRecord(droneId, nextKeyId(read), epochMillis.getAsLong() / 1000,
            null, null, 0);
        write(droneId, read.sealed, record);
        revoked.increment();
        LOG.info("drone {} keys revoked by {}", droneId, admin);
    }

    /** A drone id a frame can carry; anything else is a 400 before the grid is asked. */
    static long droneId(final String text)
    {
        try
        {
            final long id = Long.parseLong(text);
            if (id >= 1 && id <= TelemetryFrameReader.MAX_DRONE_ID)
            {
                return id;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Answered below.
        }
        throw new Problem(400, "DRONE_ID_OUT_OF_RANGE",
            "a drone id is an integer from 1 to " + TelemetryFrameReader.MAX_DRONE_ID + ", not '" + text + "'", null);
    }

    private static long grace(final JsonNode body)
    {
        final JsonNode value = body.get("graceS");
        if (value == null || value.isNull())
        {
            return DEFAULT_GRACE_S;
        }
        if (!value.canConvertToExactIntegral() || value.asLong() < 0 || value.asLong() > MAX_GRACE_S)
        {
            throw new Problem(400, "BAD_GRACE", "graceS is a whole number of seconds from 0 to " + MAX_GRACE_S +
                ", not " + value, null);
        }
        return value.asLong();
    }

    private record Read(String sealed, DroneKeyRecord record)
    {
    }

    private Read read(final long droneId)
    {
        if (vault == null)
        {
            throw new Problem(503, "NO_COMMAND_KEY", "this gateway holds no command key (ODYSSEY_COMMAND_KEY_FILE): " +
                "it cannot seal drone keys", null);
        }
        final String sealed = records.get(droneId);
        final DroneKeyRecord record = sealed == null ? null : vault.open(droneId, sealed);
        if (sealed != null && record == null)
        {
            unreadable.increment();
            LOG.warn("the drone key record of drone {} in the grid does not open under the command key: planted or " +
                "altered by a grid client; ingest nodes ignore it", droneId);
        }
        return new Read(sealed, record);
    }

    private static DroneKeyRecord existing(final long droneId, final Read read)
    {
        if (read.record == null || read.record.revoked())
        {
            throw new Problem(404, "UNKNOWN_DRONE_KEY", "drone " + droneId + " has no key managed through the API" +
                (read.record != null ? " (revoked)" : ""), null);
        }
        return read.record;
    }

    /**
     * Key ids only grow (ingest refuses a record older than the one it uses): one more than the last, and at least the
     * time in milliseconds, so that a record a grid client spoiled (whose id cannot be trusted) is still outgrown.
     */
    private long nextKeyId(final Read read)
    {
        return Math.max(read.record == null ? 1 : read.record.keyId() + 1, epochMillis.getAsLong());
    }

    private void write(final long droneId, final String expected, final DroneKeyRecord record)
    {
        final String sealed = vault.seal(record);
        final boolean written = expected == null ? records.putIfAbsent(droneId, sealed) == null :
            records.replace(droneId, expected, sealed);
        if (!written)
        {
            throw new Problem(409, "CONCURRENT_CHANGE", "drone " + droneId + "'s keys changed meanwhile: look again " +
                "and retry", null);
        }
    }

    private static ObjectNode answer(final DroneKeyRecord record)
    {
        final ObjectNode answer = CommandJson.JSON.createObjectNode();
        answer.put("droneId", record.droneId());
        answer.put("keyId", record.keyId());
        answer.put("key", record.currentHex());
        return answer;
    }
}
