package io.odyssey.simulator;

import org.junit.jupiter.api.Test;

import static io.odyssey.simulator.DroneFleet.CLIMB_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.METRES_PER_DEGREE;
import static io.odyssey.simulator.FleetKinematics.TURN_RATE_DEG_S;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** How one drone moves and spends its battery, on the fleet's columns, without patrol or commands. */
class FleetKinematicsTest
{
    private static final double CENTER_LAT = 52.52;
    private static final double CENTER_LON = 13.405;
    private static final double FAILSAFE_PCT = 25;

    private final FleetState state = new FleetState(1, 1, CENTER_LAT, CENTER_LON, 3000, 12, FAILSAFE_PCT, 1);
    private final FleetKinematics kinematics = new FleetKinematics(state);

    @Test
    void shouldTurnTowardTheTargetNoFasterThanTheTurnRateAndStopOnIt()
    {
        placeAt(CENTER_LAT, CENTER_LON);
        state.heading[0] = 0;
        state.targetLat[0] = CENTER_LAT;
        state.targetLon[0] = CENTER_LON + 1000 / state.metresPerDegreeLon;

        assertThat(kinematics.flyToward(0, 0.1, 12)).isFalse();
        assertThat(state.heading[0]).as("a tenth of a second of turning").isCloseTo(TURN_RATE_DEG_S * 0.1, within(1e-9));

        int steps = 1;
        while (!kinematics.flyToward(0, 0.1, 12))
        {
            assertThat(state.speed[0]).isLessThanOrEqualTo(12.0);
            assertThat(++steps).as("arrives in well under the time of a detour").isLessThan(3000);
        }
        assertThat(state.heading[0]).isCloseTo(90.0, within(1.0));
        assertThat(state.lat[0]).isEqualTo(state.targetLat[0]);
        assertThat(state.lon[0]).isEqualTo(state.targetLon[0]);
    }

    @Test
    void shouldClimbAtTheClimbRateAndStopExactlyOnTheGoal()
    {
        state.altitude[0] = 0;
        kinematics.changeAltitude(0, 10, 1.0);
        assertThat(state.altitude[0]).isEqualTo(CLIMB_RATE_MPS);
        assertThat(state.climb[0]).isEqualTo(CLIMB_RATE_MPS);
        kinematics.changeAltitude(0, 10, 1.0);
        kinematics.changeAltitude(0, 10, 1.0);
        kinematics.changeAltitude(0, 10, 1.0);
        assertThat(state.altitude[0]).isEqualTo(10.0);
        assertThat(state.climb[0]).as("the last metre at the speed that lands on it").isCloseTo(1.0, within(1e-9));
        kinematics.changeAltitude(0, 10, 1.0);
        assertThat(state.climb[0]).isZero();
    }

    @Test
    void shouldNeedMoreChargeToComeHomeTheFurtherAndHigherTheDroneIs()
    {
        placeAt(state.homeLat[0], state.homeLon[0]);
        assertThat(kinematics.returnThreshold(0)).as("at home on the ground: the fixed threshold").isEqualTo(FAILSAFE_PCT);

        placeAt(state.homeLat[0] + 3000 / METRES_PER_DEGREE, state.homeLon[0]);
        final double far = kinematics.returnThreshold(0);
        placeAt(state.homeLat[0] + 6000 / METRES_PER_DEGREE, state.homeLon[0]);
        final double further = kinematics.returnThreshold(0);
        state.altitude[0] = 120;
        final double furtherAndHigher = kinematics.returnThreshold(0);

        assertThat(far).isGreaterThan(FAILSAFE_PCT);
        assertThat(further).isGreaterThan(far);
        assertThat(furtherAndHigher).isGreaterThan(further);
    }

    @Test
    void shouldDrainFasterWhenFlyingThanHoveringAndNotAtAllWithADrainFactorOfZero()
    {
        state.battery[0] = 50;
        kinematics.drain(0, 10);
        final double hovering = 50 - state.battery[0];
        state.battery[0] = 50;
        state.speed[0] = 12;
        kinematics.drain(0, 10);
        final double flying = 50 - state.battery[0];
        assertThat(hovering).isPositive();
        assertThat(flying).isGreaterThan(hovering);

        final FleetState tireless = new FleetState(1, 1, CENTER_LAT, CENTER_LON, 3000, 12, FAILSAFE_PCT, 0);
        tireless.battery[0] = 50;
        tireless.speed[0] = 12;
        new FleetKinematics(tireless).drain(0, 600);
        assertThat(tireless.battery[0]).isEqualTo(50.0);
    }

    private void placeAt(final double latitude, final double longitude)
    {
        state.lat[0] = latitude;
        state.lon[0] = longitude;
    }
}
