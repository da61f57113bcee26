package io.odyssey.simulator;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import org.agrona.concurrent.Agent;

/**
 * Polls the command subscription into the {@link CommandIntake}. It runs on the publisher's thread (composed ahead of
 * the {@link TelemetryPublisherAgent}), so the fleet has a single writer and a command's ACCEPTED goes out in the duty
 * cycle the command arrived in. A mission of many waypoints is longer than one UDP frame: the assembler puts its
 * fragments back together (into a buffer it reuses).
 */
final class CommandReceiverAgent implements Agent
{
    /** Commands are rare next to telemetry; this bounds one cycle's share if a sender floods the port. */
    static final int FRAGMENT_LIMIT = 64;

    private final Subscription subscription;
    private final FragmentAssembler assembler;

    CommandReceiverAgent(final Subscription subscription, final CommandIntake intake)
    {
        this.subscription = subscription;
        this.assembler = new FragmentAssembler(intake);
    }

    public int doWork()
    {
        return subscription.poll(assembler, FRAGMENT_LIMIT);
    }

    public String roleName()
    {
        return "command-receiver";
    }
}
