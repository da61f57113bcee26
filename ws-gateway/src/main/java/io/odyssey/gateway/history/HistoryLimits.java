package io.odyssey.gateway.history;

import io.odyssey.runtime.Counter;

import java.time.Duration;

/**
 * What one history request may cost, and the counters of those refused for it (GatewayConfig's history settings).
 *
 * @param maxWindow          the longest window (and look-back) a request may ask about.
 * @param maxRows            the most rows one answer holds: track points, drones of a fleet or near answer.
 * @param maxConcurrent      history requests running at once; the next is refused at once with 429.
 * @param requestBudgetMs    the longest one request may take: its wait for a database connection and its queries
 *                           together (each query gets what is left; the database cancels it); beyond, 503.
 * @param invalid            requests refused with 400 (a parameter, a window too long).
 * @param busy               requests refused with 429 (as many running as allowed).
 * @param timedOut           requests that ran past their time budget (503).
 * @param unavailable        requests the database could not answer (503).
 */
public record HistoryLimits(
    Duration maxWindow, int maxRows, int maxConcurrent, long requestBudgetMs,
    Counter invalid, Counter busy, Counter timedOut, Counter unavailable)
{
}
