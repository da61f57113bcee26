package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.odyssey.grid.DroneState;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes one drone as the drone object of the WebSocket contract ({@code docs/api/websocket.md}) into UTF-8 bytes,
 * with a reused Jackson streaming generator.
 * <p>
 * Each drone version is encoded once and the bytes are copied into every client frame that carries it, so the
 * serialisation cost grows with drones, not drones × clients. Timestamps are decimal strings (epoch nanoseconds do
 * not fit a JavaScript number exactly); lat/lon keep their full double precision (a client's bounding box may have
 * any number of decimals, and a rounded position could fall just outside it); the sensor values are sent with the
 * precision a display needs (0.1 for altitude, heading and battery, 0.01 for speeds), formatted without allocation.
 * Non-finite numbers (impossible after ingest validation) are sent as {@code null}, never as invalid JSON.
 * <p>
 * Not thread-safe: one instance per encoding thread (the fan-out thread).
 */
public final class DroneJson
{
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
        .rootValueSeparator((SerializableString)null)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .build();

    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString SEQ = new SerializedString("seq");
    private static final SerializedString SENT_AT_NS = new SerializedString("sentAtNs");
    private static final SerializedString INGEST_NS = new SerializedString("ingestNs");
    private static final SerializedString GRID_NS = new SerializedString("gridNs");
    private static final SerializedString GATEWAY_NS = new SerializedString("gatewayNs");
    private static final SerializedString LAT = new SerializedString("lat");
    private static final SerializedString LON = new SerializedString("lon");
    private static final SerializedString ALT = new SerializedString("alt");
    private static final SerializedString HDG = new SerializedString("hdg");
    private static final SerializedString SPD = new SerializedString("spd");
    private static final SerializedString CLIMB = new SerializedString("climb");
    private static final SerializedString BAT = new SerializedString("bat");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString FLAGS = new SerializedString("flags");
    private static final SerializedString NODE = new SerializedString("node");

    /** Fixed-point values at or above this magnitude are written as plain doubles (no overflow of the scaled long). */
    private static final double MAX_FIXED = 1e12;

    private final ByteArrayBuilder out = new ByteArrayBuilder(512);
    private final char[] digits = new char[32];
    private JsonGenerator generator;

    public DroneJson()
    {
        generator = newGenerator();
    }

    /** The drone object as text (the REST API's cold path; one encoder serves a whole response). */
    public String text(final DroneState s, final long gatewayNanos)
    {
        return new String(encode(s, gatewayNanos), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** @return the drone object's UTF-8 bytes, a fresh array the caller may keep. */
    byte[] encode(final DroneState s, final long gatewayNanos)
    {
        try
        {
            final JsonGenerator g = generator;
            g.writeStartObject();
            g.writeFieldName(ID);
            g.writeNumber(s.droneId());
            g.writeFieldName(SEQ);
            g.writeNumber(s.sequence());
            writeDecimalString(g, SENT_AT_NS, s.sentAtNanos());
            writeDecimalString(g, INGEST_NS, s.ingestNanos());
            writeDecimalString(g, GRID_NS, s.gridNanos());
            writeDecimalString(g, GATEWAY_NS, gatewayNanos);
            writeDouble(g, LAT, s.latitude());
            writeDouble(g, LON, s.longitude());
            writeFixed(g, ALT, s.altitude(), 1);
            writeFixed(g, HDG, s.heading(), 1);
            writeFixed(g, SPD, s.groundSpeed(), 2);
            writeFixed(g, CLIMB, s.climbRate(), 2);
            writeFixed(g, BAT, s.battery(), 1);
            g.writeFieldName(STATUS);
            g.writeString(s.status());
            g.writeFieldName(FLAGS);
            g.writeNumber(s.flags());
            g.writeFieldName(NODE);
            g.writeString(s.ingestNode() == null ? "" : s.ingestNode());
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        }
        catch (final IOException | RuntimeException ex)
        {
            // A generator that failed half-way holds a broken write context: start afresh for the next drone.
            generator = newGenerator();
            if (ex instanceof IOException)
            {
                throw new UncheckedIOException((IOException)ex);
            }
            throw (RuntimeException)ex;
        }
        finally
        {
            out.reset();
        }
    }

    private JsonGenerator newGenerator()
    {
        try
        {
            out.reset();
            return FACTORY.createGenerator(out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void writeDecimalString(final JsonGenerator g, final SerializedString name, final long value) throws IOException
    {
        g.writeFieldName(name);
        final int length = NumberOutput.outputLong(value, digits, 0);
        g.writeString(digits, 0, length);
    }

    private static void writeDouble(final JsonGenerator g, final SerializedString name, final double value) throws IOException
    {
        g.writeFieldName(name);
        if (Double.isFinite(value))
        {
            g.writeNumber(value);
        }
        else
        {
            g.writeNull();
        }
    }

    /** {@code value} rounded half-up to {@code decimals} (1 or 2) places, e.g. 87.5, 90.0, -0.25, 12.05. */
    private void writeFixed(final JsonGenerator g, final SerializedString name, final float value, final int decimals)
        throws IOException
    {
        g.writeFieldName(name);
        if (!Float.isFinite(value))
        {
            g.writeNull();
            return;
        }
        if (Math.abs(value) >= MAX_FIXED)
        {
            g.writeNumber((double)value);
            return;
        }
        final int scale = decimals == 1 ? 10 : 100;
        final long scaled = Math.round((double)value * scale);
        final long magnitude = Math.abs(scaled);
        int length = 0;
        if (scaled < 0)
        {
            digits[length++] = '-';
        }
        length = NumberOutput.outputLong(magnitude / scale, digits, length);
        digits[length++] = '.';
        final long fraction = magnitude % scale;
        if (decimals == 1)
        {
            digits[length++] = (char)('0' + fraction);
        }
        else
        {
            digits[length++] = (char)('0' + fraction / 10);
            if (fraction % 10 != 0)
            {
                digits[length++] = (char)('0' + fraction % 10);
            }
        }
        g.writeNumber(digits, 0, length);
    }
}
