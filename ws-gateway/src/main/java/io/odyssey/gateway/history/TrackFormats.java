package io.odyssey.gateway.history;

import com.fasterxml.jackson.core.JsonGenerator;
import io.odyssey.gateway.JsonText;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** A drone's track as GeoJSON (for maps and the dashboard), GPX (for GIS and flight tools) and CSV (for spreadsheets). */
final class TrackFormats
{
    private TrackFormats()
    {
    }

    /**
     * A GeoJSON Feature: a LineString of [lon, lat, altitude] with the sample times alongside, and the track's
     * full-resolution statistics in its properties.
     */
    static String geoJson(final long droneId, final Instant from, final Instant to,
        final List<HistoryStore.Sample> samples, final HistoryStore.TrackStats stats)
    {
        return JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("type", "Feature");
            out.writeObjectFieldStart("geometry");
            out.writeStringField("type", "LineString");
            out.writeArrayFieldStart("coordinates");
            for (final HistoryStore.Sample sample : samples)
            {
                out.writeStartArray();
                out.writeNumber(sample.lon());
                out.writeNumber(sample.lat());
                out.writeNumber(sample.altM());
                out.writeEndArray();
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeObjectFieldStart("properties");
            out.writeNumberField("droneId", droneId);
            out.writeStringField("from", from.toString());
            out.writeStringField("to", to.toString());
            out.writeNumberField("frames", stats.frames());
            out.writeNumberField("points", samples.size());
            out.writeNumberField("distanceM", HistoryApi.round(stats.distanceM()));
            out.writeNumberField("maxAltitudeM", HistoryApi.round(stats.maxAltM()));
            out.writeNumberField("batteryUsedPct", HistoryApi.round(stats.batteryUsedPct()));
            out.writeArrayFieldStart("times");
            for (final HistoryStore.Sample sample : samples)
            {
                out.writeString(sample.time().toString());
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeEndObject();
        });
    }

    static String gpx(final long droneId, final List<HistoryStore.Sample> samples)
    {
        final StringBuilder out = new StringBuilder(128 + samples.size() * 160)
            .append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .append("<gpx version=\"1.1\" creator=\"Odyssey\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n")
            .append("  <trk>\n    <name>drone ").append(droneId).append("</name>\n    <trkseg>\n");
        for (final HistoryStore.Sample sample : samples)
        {
            out.append("      <trkpt lat=\"").append(sample.lat()).append("\" lon=\"").append(sample.lon()).append("\">")
                .append("<ele>").append(sample.altM()).append("</ele>")
                .append("<time>").append(sample.time()).append("</time></trkpt>\n");
        }
        return out.append("    </trkseg>\n  </trk>\n</gpx>\n").toString();
    }

    static String csv(final List<HistoryStore.Sample> samples)
    {
        final StringBuilder out = new StringBuilder(96 + samples.size() * 96)
            .append("time,drone_id,seq,lat,lon,alt_m,heading_deg,speed_mps,battery_pct,status\n");
        for (final HistoryStore.Sample s : samples)
        {
            out.append(s.time()).append(',').append(s.droneId()).append(',').append(s.seq()).append(',')
                .append(s.lat()).append(',').append(s.lon()).append(',').append(s.altM()).append(',')
                .append(s.headingDeg()).append(',').append(s.speedMps()).append(',').append(s.batteryPct()).append(',')
                .append(s.status()).append('\n');
        }
        return out.toString();
    }

    /** One drone's state as the fleet endpoints show it (the live WebSocket's field names where they overlap). */
    static void writeSample(final JsonGenerator out, final HistoryStore.Sample s) throws IOException
    {
        out.writeStartObject();
        out.writeNumberField("id", s.droneId());
        out.writeStringField("time", s.time().toString());
        out.writeNumberField("seq", s.seq());
        out.writeNumberField("lat", s.lat());
        out.writeNumberField("lon", s.lon());
        out.writeNumberField("alt", s.altM());
        out.writeNumberField("hdg", s.headingDeg());
        out.writeNumberField("spd", s.speedMps());
        out.writeNumberField("bat", s.batteryPct());
        out.writeStringField("status", s.status());
        out.writeEndObject();
    }
}
