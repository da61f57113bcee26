package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Opens {@link FleetClient}s for tests outside this package (the system test). */
public final class TestClients
{
    private TestClients()
    {
    }

    public static Client connect(final int port) throws Exception
    {
        return new Client(FleetClient.connect(port));
    }

    /** A WebSocket client of /ws/fleet that remembers every message. */
    public static final class Client implements AutoCloseable
    {
        private final FleetClient client;
        private final List<JsonNode> history = new CopyOnWriteArrayList<>();

        Client(final FleetClient client)
        {
            this.client = client;
        }

        public Map<Long, JsonNode> drones()
        {
            drain();
            return client.drones;
        }

        public List<String> sequenceViolations()
        {
            return client.sequenceViolations;
        }

        public void send(final String text) throws Exception
        {
            client.send(text);
        }

        public void awaitSnapshotWithBox() throws InterruptedException
        {
            final JsonNode snapshot = client.await(m -> "snapshot".equals(m.path("type").asText()) && m.get("bbox").isArray(), 15_000);
            history.add(snapshot);
        }

        public int messageCount()
        {
            drain();
            return history.size();
        }

        public List<JsonNode> messagesSince(final int index)
        {
            drain();
            return new ArrayList<>(history.subList(index, history.size()));
        }

        private void drain()
        {
            JsonNode message;
            while ((message = client.messages.poll()) != null)
            {
                history.add(message);
            }
        }

        public void close()
        {
            client.close();
        }
    }
}
