package io.odyssey.gateway;

/**
 * A map area a client subscribes to, in WGS84 degrees, edges inclusive. {@code west > east} means the box crosses the
 * antimeridian (e.g. west 170, east -170 is the 20° around longitude 180).
 */
public record BoundingBox(double west, double south, double east, double north)
{
    /** @throws IllegalArgumentException with a message for the client when the box is not a valid area. */
    public BoundingBox
    {
        if (!(west >= -180 && west <= 180 && east >= -180 && east <= 180))
        {
            throw new IllegalArgumentException("west and east must be within [-180, 180]");
        }
        if (!(south >= -90 && north <= 90 && south < north))
        {
            throw new IllegalArgumentException("south and north must be within [-90, 90] with south < north");
        }
    }

    public boolean contains(final double latitude, final double longitude)
    {
        if (!(latitude >= south && latitude <= north))
        {
            return false;
        }
        return west <= east ? longitude >= west && longitude <= east : longitude >= west || longitude <= east;
    }

    /** The box as the contract writes it: {@code [west,south,east,north]}. */
    String toJson()
    {
        return "[" + west + "," + south + "," + east + "," + north + "]";
    }
}
