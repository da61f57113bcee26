package io.odyssey.simulator;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.sbe.CommandType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.odyssey.simulator.CommandFrames.waypoint;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole fleet's behaviour as one number: 2,000 drones flown for 50 simulated minutes while a seeded stream of
 * every kind of command reaches some of them (take-offs, go-tos, missions, holds and resumes, returns home, landings,
 * stops, speed changes, cancels), with a battery drain high enough that failsafe returns happen, hashing every drone's
 * state after every step and every answer it sends. A restructuring of the fleet's classes must leave this number
 * unchanged to the bit; a change of behaviour has to change it, and then says so in its commit.
 */
class FleetFingerprintTest
{
    private static final int DRONES = 2_000;
    private static final double DT = 0.1;
    private static final int STEPS = 50 * 60 * 10;
    /** Commands go out every 10 simulated seconds, to this many drones each time. */
    private static final int COMMAND_EVERY_STEPS = 100;
    private static final int COMMANDS_EACH_TIME = 40;
    private static final CommandType[] TYPES = {CommandType.TAKEOFF, CommandType.GOTO, CommandType.MISSION,
        CommandType.HOLD, CommandType.RESUME, CommandType.RETURN_HOME, CommandType.LAND, CommandType.STOP,
        CommandType.SET_SPEED, CommandType.CANCEL};

    /** Taken on the tree before CommandedFlight was split (last-three, issue 13). */
    private static final long FINGERPRINT = -1293726814775272763L;

    private final CommandFrames frames = new CommandFrames();
    private final CommandFrameReader reader = new CommandFrameReader();
    private final List<Answer> answers = new ArrayList<>();

    @Test
    void shouldFlyTheFleetExactlyAsBeforeTheRestructuring()
    {
        final DroneFleet fleet = new DroneFleet(DRONES, 1, 42, 52.52, 13.405, 3000, 12, DroneFleet.RETURN_BATTERY_PCT, 3.0);
        final SplittableRandom orders = new SplittableRandom(2026);
        long commandId = 0;
        long hash = 17;
        int accepted = 0;
        for (int step = 0; step < STEPS; step++)
        {
            if (step % COMMAND_EVERY_STEPS == 0)
            {
                for (int n = 0; n < COMMANDS_EACH_TIME; n++)
                {
                    final int i = orders.nextInt(DRONES);
                    final int length = command(fleet, i, ++commandId, orders);
                    assertThat(reader.read(frames.buffer, 0, length)).isNull();
                    final int outcome = fleet.onCommand(i, reader);
                    accepted += outcome == DroneFleet.COMMAND_ACCEPTED ? 1 : 0;
                    hash = hash * 31 + outcome;
                }
            }
            for (int i = 0; i < DRONES; i++)
            {
                fleet.step(i, DT);
                if (step % 10 == 9)
                {
                    fleet.progressUpdate(i);
                }
                hash = hash * 31 + Double.doubleToLongBits(fleet.latitude(i));
                hash = hash * 31 + Double.doubleToLongBits(fleet.longitude(i));
                hash = hash * 31 + Double.doubleToLongBits(fleet.altitude(i));
                hash = hash * 31 + Double.doubleToLongBits(fleet.heading(i));
                hash = hash * 31 + Double.doubleToLongBits(fleet.battery(i));
                hash = hash * 31 + Double.doubleToLongBits(fleet.speed(i));
                hash = hash * 31 + Double.doubleToLongBits(fleet.climbRate(i));
                hash = hash * 31 + fleet.status(i).ordinal();
            }
            Answer.drain(fleet, answers);
            for (final Answer answer : answers)
            {
                // Field by field: an enum's own hashCode differs from one JVM to the next.
                hash = hash * 31 + answer.droneId();
                hash = hash * 31 + answer.commandId();
                hash = hash * 31 + answer.phase().ordinal();
                hash = hash * 31 + answer.reason().ordinal();
                hash = hash * 31 + Float.floatToIntBits(answer.progress());
                hash = hash * 31 + answer.waypointIndex();
                hash = hash * 31 + answer.type().ordinal();
                hash = hash * 31 + Double.doubleToLongBits(answer.targetLatitude());
                hash = hash * 31 + Double.doubleToLongBits(answer.targetLongitude());
                hash = hash * 31 + Float.floatToIntBits(answer.targetAltitude());
            }
            answers.clear();
        }
        assertThat(accepted).as("commands the fleet took (the rest were refused: low battery, nothing to cancel...)")
            .isGreaterThan(COMMANDS_EACH_TIME * (STEPS / COMMAND_EVERY_STEPS) / 4);
        assertThat(hash).isEqualTo(FINGERPRINT);
    }

    /** A command of a random kind for drone {@code i}, with random parameters around its home. */
    private int command(final DroneFleet fleet, final int i, final long commandId, final SplittableRandom orders)
    {
        final long droneId = fleet.droneId(i);
        final double lat = fleet.homeLatitude(i);
        final double lon = fleet.homeLongitude(i);
        final CommandType type = TYPES[orders.nextInt(TYPES.length)];
        switch (type)
        {
            case TAKEOFF:
                return frames.takeoff(droneId, commandId, 10f + orders.nextInt(100));

            case GOTO:
                return frames.goTo(droneId, commandId, lat + offset(orders), lon + offset(orders),
                    orders.nextBoolean() ? Float.NaN : 20f + orders.nextInt(80),
                    orders.nextBoolean() ? Float.NaN : 3f + orders.nextInt(15));

            case MISSION:
            {
                final double[][] waypoints = new double[1 + orders.nextInt(4)][];
                for (int k = 0; k < waypoints.length; k++)
                {
                    waypoints[k] = waypoint(lat + offset(orders), lon + offset(orders),
                        orders.nextBoolean() ? Double.NaN : 20 + orders.nextInt(80),
                        orders.nextBoolean() ? Double.NaN : 3 + orders.nextInt(15), orders.nextInt(3) * 4);
                }
                return frames.mission(droneId, commandId, waypoints);
            }

            case SET_SPEED:
                return frames.setSpeed(droneId, commandId, 2f + orders.nextInt(18));

            case CANCEL:
                // Often one of the last few commands (which may or may not be this drone's, or still running).
                return frames.cancel(droneId, commandId, Math.max(1, commandId - 1 - orders.nextInt(60)));

            default:
                return frames.plain(droneId, commandId, type);
        }
    }

    /** Up to about 1.5 km either way, in degrees. */
    private static double offset(final SplittableRandom orders)
    {
        return (orders.nextDouble() - 0.5) * 3000 / DroneFleet.METRES_PER_DEGREE;
    }
}
