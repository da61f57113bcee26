package io.odyssey.relay;

import io.aeron.exceptions.RegistrationException;
import io.odyssey.runtime.AeronTransport;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bounds of the command links, against a real embedded media driver: however many endpoints drones name, no more
 * publications are open than allowed (the least recently used goes), idle ones are closed, and a drone that offers no
 * way to reach it has no route. Delivery itself is DroneBehindNatSystemIT's and CommandControlSystemIT's business.
 */
class CommandLinksTest
{
    private static final int STREAM = 1002;
    private static final int LOCALHOST = 0x7F00_0001;
    private static final UnsafeBuffer FRAME = new UnsafeBuffer(new byte[64]);

    private static AeronTransport transport;

    @BeforeAll
    static void startDriver()
    {
        transport = AeronTransport.launchEmbedded(null, "command-links-test");
    }

    @AfterAll
    static void stopDriver()
    {
        transport.close();
    }

    @Test
    void shouldKeepNoMorePublicationsOpenThanAllowedClosingTheLeastRecentlyUsed() throws Exception
    {
        try (CommandLinks links = new CommandLinks(transport.aeron(), STREAM, null, 2))
        {
            for (long drone = 1; drone <= 3; drone++)
            {
                links.update(drone, LOCALHOST, freePort(), 0, null);
            }
            assertThat(links.send(1, FRAME, 8, 100)).as("nothing listens: not sent").isEqualTo(CommandLinks.Sent.NOT_SENT);
            links.send(2, FRAME, 8, 200);
            assertThat(links.openLinks()).isEqualTo(2);

            links.send(3, FRAME, 8, 300);
            assertThat(links.openLinks()).as("drone 1's, the least recently used, was closed").isEqualTo(2);
            links.send(2, FRAME, 8, 400);
            links.send(1, FRAME, 8, 500);
            assertThat(links.openLinks()).as("drone 3's went this time").isEqualTo(2);
            assertThat(links.routeCount()).isEqualTo(3);
        }
    }

    @Test
    void shouldCloseLinksNoCommandHasUsedForTheIdleTime() throws Exception
    {
        try (CommandLinks links = new CommandLinks(transport.aeron(), STREAM, null, 10))
        {
            links.update(1, LOCALHOST, freePort(), 0, null);
            links.update(2, LOCALHOST, freePort(), 0, null);
            links.send(1, FRAME, 8, 0);
            links.send(2, FRAME, 8, CommandLinks.IDLE_CLOSE_NS);

            links.closeIdle(CommandLinks.IDLE_CLOSE_NS + 1);

            assertThat(links.openLinks()).as("only drone 1's was idle that long").isEqualTo(1);
            links.closeIdle(2 * CommandLinks.IDLE_CLOSE_NS + 1);
            assertThat(links.openLinks()).isZero();
            assertThat(links.hasRoute(1)).as("the route stays; a link is opened again when needed").isTrue();
        }
    }

    @Test
    void shouldHaveNoRouteToADroneThatOffersNoWayToReachIt() throws Exception
    {
        try (CommandLinks withoutControl = new CommandLinks(transport.aeron(), STREAM, null, 10))
        {
            withoutControl.update(1, LOCALHOST, freePort(), 0, null);
            withoutControl.update(1, 0, 0, 0, null);
            assertThat(withoutControl.hasRoute(1)).as("stopped advertising an endpoint").isFalse();
            // Without a control endpoint of its own, the node cannot answer on an image's response channel.
            withoutControl.update(2, 0, 0, 7, "127.0.0.1:40000");
            assertThat(withoutControl.hasRoute(2)).isFalse();
            assertThat(withoutControl.send(2, FRAME, 8, 0)).isEqualTo(CommandLinks.Sent.NO_ROUTE);
        }
        try (CommandLinks withControl = new CommandLinks(transport.aeron(), STREAM, "127.0.0.1:" + freePort(), 10))
        {
            withControl.update(2, 0, 0, 7, "127.0.0.1:40000");
            assertThat(withControl.hasRoute(2)).isTrue();
            // No image 7 asked for a response channel: the driver refuses, and with no advertised endpoint either, there
            // is no way to it.
            assertThat(withControl.send(2, FRAME, 8, 0)).isEqualTo(CommandLinks.Sent.NO_ROUTE);
            assertThat(withControl.openLinks()).isZero();
        }
    }

    @Test
    void shouldRefuseAControlEndpointWhosePortIsTaken() throws Exception
    {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            assertThatThrownBy(() -> new CommandLinks(transport.aeron(), STREAM, "127.0.0.1:" + taken.getLocalPort(), 10))
                .as("bound at once, so the node fails to start rather than never reaching a drone")
                .isInstanceOf(RegistrationException.class);
        }
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
