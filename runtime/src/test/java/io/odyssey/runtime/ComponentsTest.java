package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ComponentsTest
{
    private final List<String> events = new ArrayList<>();
    private final Health health = new Health("test");

    @Test
    void shouldStartInOrderAndStopInReverse() throws Exception
    {
        final Components components = new Components("test", health, part("grid"), part("journal"), part("agent"));

        components.start();
        components.close();

        assertThat(events).containsExactly("grid started", "journal started", "agent started",
            "agent stopped", "journal stopped", "grid stopped");
    }

    @Test
    void shouldStopWhatStartedIncludingTheFailingPartWhenAStartFails()
    {
        final Components components = new Components("test", health, part("grid"),
            failingToStart("journal", new ConfigurationException("ODYSSEY_TEST_DIR: cannot write")), part("agent"));

        assertThatThrownBy(components::start).isInstanceOf(ConfigurationException.class)
            .hasMessage("ODYSSEY_TEST_DIR: cannot write");
        assertThat(events).containsExactly("grid started", "journal stopped", "grid stopped");
    }

    @Test
    void shouldStopTheOtherPartsWhenOneFailsToStop() throws Exception
    {
        final Components components = new Components("test", health, part("grid"), failingToStop("relay"), part("agent"));
        components.start();

        components.close();

        assertThat(events).containsExactly("grid started", "relay started", "agent started", "agent stopped",
            "grid stopped");
    }

    @Test
    void shouldStopEachPartOnceHoweverOftenItIsClosed() throws Exception
    {
        final Components components = new Components("test", health, part("grid"));
        components.start();

        components.close();
        components.close();

        assertThat(events).containsExactly("grid started", "grid stopped");
    }

    @Test
    void shouldRegisterAPartsHealthChecksOnlyOnceItStarted() throws Exception
    {
        final Component withCheck = new Part("grid")
        {
            @Override
            public void health(final Health health)
            {
                events.add("grid checks");
                health.ready("grid", () -> HealthCheck.Result.down("disconnected"));
            }
        };
        final Components components = new Components("test", health, withCheck);

        components.start();

        assertThat(events).containsExactly("grid started", "grid checks");
        assertThat(health.readiness().status()).isEqualTo(503);
        assertThat(health.readiness().body()).contains("\"grid\":{\"healthy\":false", "disconnected");
    }

    @Test
    void shouldRefuseToStartTwice() throws Exception
    {
        final Components components = new Components("test", health, part("grid"));
        components.start();

        assertThatThrownBy(components::start).isInstanceOf(IllegalStateException.class);
        assertThat(events).containsExactly("grid started");
    }

    private Component part(final String name)
    {
        return new Part(name);
    }

    private Component failingToStart(final String name, final Exception failure)
    {
        return new Part(name)
        {
            @Override
            public void start() throws Exception
            {
                throw failure;
            }
        };
    }

    private Component failingToStop(final String name)
    {
        return new Part(name)
        {
            @Override
            public void stop()
            {
                throw new IllegalStateException(name + " is stuck");
            }
        };
    }

    private class Part implements Component
    {
        private final String name;

        Part(final String name)
        {
            this.name = name;
        }

        public String name()
        {
            return name;
        }

        public void start() throws Exception
        {
            events.add(name + " started");
        }

        public void stop()
        {
            events.add(name + " stopped");
        }
    }
}
