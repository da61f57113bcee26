package io.odyssey.gateway.control;

import io.odyssey.codecs.CommandType;
import io.odyssey.runtime.Counter;

/**
 * How much the command API lets a token and a drone have (a rate, a queue), and the counters of what it refused for
 * it. Not the bounds of a command's parameters: those are the wire contract's {@link io.odyssey.codecs.CommandLimits}.
 *
 * @param rate              commands per principal (each drone of a request is one).
 * @param maxActivePerDrone commands not yet final one drone may have; {@code stop} and {@code cancel} may use twice
 *                          as many, so a drone whose queue is full can still be stopped or have its queue cancelled.
 * @param rateLimited       commands refused by {@code rate}.
 * @param activeLimited     commands refused by {@code maxActivePerDrone}.
 * @param textRefused       requests refused for text that may not be stored (control characters, too long...).
 */
public record CommandQuotas(
    CommandRateLimiter rate, int maxActivePerDrone, Counter rateLimited, Counter activeLimited, Counter textRefused)
{
    /** The most active commands a drone may have for a command of this type. */
    int maxActive(final CommandType type)
    {
        return type == CommandType.STOP || type == CommandType.CANCEL ? 2 * maxActivePerDrone : maxActivePerDrone;
    }
}
