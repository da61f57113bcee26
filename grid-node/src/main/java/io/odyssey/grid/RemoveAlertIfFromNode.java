package io.odyssey.grid;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;

import java.io.Serial;
import java.util.Map;

/**
 * Clears an active alert only if the node clearing it is the one that raised it: when a drone moves between ingest
 * nodes, the old node's clear must not remove what the new node has raised meanwhile. Runs on the partition owner,
 * so the check and the removal are one step.
 */
public final class RemoveAlertIfFromNode implements EntryProcessor<String, ActiveAlert, Boolean>, HazelcastInstanceAware
{
    @Serial
    private static final long serialVersionUID = 1L;

    private final String ingestNode;

    public RemoveAlertIfFromNode(final String ingestNode)
    {
        this.ingestNode = ingestNode;
    }

    /** The member this runs on (injected there), for counting a stored record it cannot read. */
    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(final HazelcastInstance member)
    {
        this.member = member;
    }

    public Boolean process(final Map.Entry<String, ActiveAlert> entry)
    {
        // One that cannot be read (written by something else) is left as it is, counted, and the sweep goes on.
        final ActiveAlert alert = UnreadableRecords.valueOn(member, entry, ActiveAlert.class);
        if (alert != null && ingestNode.equals(alert.ingestNode()))
        {
            entry.setValue(null);
            return Boolean.TRUE;
        }
        return Boolean.FALSE;
    }
}
