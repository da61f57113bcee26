package io.odyssey.gateway.control;

import io.odyssey.runtime.Counter;

/**
 * What the command API allows beyond validity, and the counters of what it refused for it.
 *
 * @param rate              commands per principal (each drone of a request is one).
 * @param maxActivePerDrone commands not yet final one drone may have; {@code stop} and {@code cancel} may use twice
 *                          as many, so a drone whose queue is full can still be stopped or have its queue cancelled.
 * @param rateLimited       commands refused by {@code rate}.
 * @param activeLimited     commands refused by {@code maxActivePerDrone}.
 * @param textRefused       requests refused for text that may not be stored (control characters, too long...).
 */
public record CommandLimits(
    CommandRateLimiter rate, int maxActivePerDrone, Counter rateLimited, Counter activeLimited, Counter textRefused)
{
    /** The most active commands a drone may have for a command of this type. */
    int maxActive(final String type)
    {
        return "stop".equals(type) || "cancel".equals(type) ? 2 * maxActivePerDrone : maxActivePerDrone;
    }
}
