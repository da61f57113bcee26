package io.odyssey.grid;

import com.hazelcast.map.EntryProcessor;

import java.io.Serial;
import java.util.Map;

/**
 * Clears an active alert only if the node clearing it is the one that raised it: when a drone moves between ingest
 * nodes, the old node's clear must not remove what the new node has raised meanwhile. Runs on the partition owner,
 * so the check and the removal are one step.
 */
public final class RemoveAlertIfFromNode implements EntryProcessor<String, ActiveAlert, Boolean>
{
    @Serial
    private static final long serialVersionUID = 1L;

    private final String ingestNode;

    public RemoveAlertIfFromNode(final String ingestNode)
    {
        this.ingestNode = ingestNode;
    }

    public Boolean process(final Map.Entry<String, ActiveAlert> entry)
    {
        final ActiveAlert alert = entry.getValue();
        if (alert != null && ingestNode.equals(alert.ingestNode()))
        {
            entry.setValue(null);
            return Boolean.TRUE;
        }
        return Boolean.FALSE;
    }
}
