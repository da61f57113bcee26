package io.odyssey.ingest;

import io.odyssey.grid.DroneState;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where the ingest agent sends each flushed batch: the fleet map's {@code setAllAsync} in production, a stand-in whose
 * completion a unit test controls otherwise. The only collaborator of the agent that crosses a process boundary.
 */
@FunctionalInterface
interface FleetWriter
{
    /**
     * Starts writing the batch and returns without waiting for it.
     *
     * @param batch the newest state of each drone in the batch, keyed by drone id; not modified by the caller after.
     * @return completes when every entry is stored, exceptionally when any could not be.
     */
    CompletionStage<Void> writeAll(Map<Long, DroneState> batch);
}
