package io.odyssey.grid;

import io.odyssey.runtime.Setting;

import java.util.List;

/** How any Odyssey process finds the grid: shared by grid members and by the clients (ingest, gateway). */
public final class GridSettings
{
    public static final Setting CLUSTER_NAME = Setting.of(
        "ODYSSEY_GRID_CLUSTER", "odyssey", "Hazelcast cluster name; members and clients must agree");
    public static final Setting MEMBERS = Setting.of(
        "ODYSSEY_GRID_MEMBERS", "127.0.0.1",
        "Comma-separated grid member addresses (host or host:port) to join or connect to");

    public static final List<Setting> ALL = List.of(CLUSTER_NAME, MEMBERS);

    private GridSettings()
    {
    }

    public static List<String> members(final String value)
    {
        return List.of(value.split("\\s*,\\s*"));
    }
}
