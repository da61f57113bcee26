package io.odyssey.cli;

import picocli.CommandLine;

import java.util.Locale;

/**
 * The places the CLI takes on its command line, parsed and checked before anything is sent, so a typo is a usage error
 * (exit 2) naming the option rather than a 400 from the gateway: a point {@code LAT,LON}, a circle
 * {@code LAT,LON,RADIUS_M} and a box {@code W,S,E,N} (degrees; west greater than east crosses the antimeridian, as in
 * docs/api/websocket.md).
 */
final class GeoArgs
{
    private GeoArgs()
    {
    }

    record Point(double lat, double lon)
    {
    }

    record Circle(double lat, double lon, double radiusM)
    {
        String query()
        {
            return format(lat) + "," + format(lon) + "," + format(radiusM);
        }
    }

    record Box(double west, double south, double east, double north)
    {
        String query()
        {
            return format(west) + "," + format(south) + "," + format(east) + "," + format(north);
        }

        double[] array()
        {
            return new double[]{west, south, east, north};
        }
    }

    static final class PointConverter implements CommandLine.ITypeConverter<Point>
    {
        public Point convert(final String value)
        {
            final double[] n = numbers(value, 2, "LAT,LON, e.g. 52.52,13.405");
            checkLatLon(n[0], n[1]);
            return new Point(n[0], n[1]);
        }
    }

    static final class CircleConverter implements CommandLine.ITypeConverter<Circle>
    {
        public Circle convert(final String value)
        {
            final double[] n = numbers(value, 3, "LAT,LON,RADIUS_M, e.g. 52.52,13.405,500");
            checkLatLon(n[0], n[1]);
            if (!(n[2] > 0))
            {
                throw new CommandLine.TypeConversionException("the radius must be more than 0 m, got " + n[2]);
            }
            return new Circle(n[0], n[1], n[2]);
        }
    }

    static final class BoxConverter implements CommandLine.ITypeConverter<Box>
    {
        public Box convert(final String value)
        {
            final double[] n = numbers(value, 4, "W,S,E,N in degrees, e.g. 13.3,52.4,13.5,52.6");
            if (n[0] < -180 || n[0] > 180 || n[2] < -180 || n[2] > 180)
            {
                throw new CommandLine.TypeConversionException("west and east must be within -180..180");
            }
            if (n[1] < -90 || n[3] > 90 || n[1] >= n[3])
            {
                throw new CommandLine.TypeConversionException("south must be below north, both within -90..90");
            }
            return new Box(n[0], n[1], n[2], n[3]);
        }
    }

    static void checkLatLon(final double lat, final double lon)
    {
        if (lat < -90 || lat > 90)
        {
            throw new CommandLine.TypeConversionException("latitude " + lat + " is outside -90..90");
        }
        if (lon < -180 || lon > 180)
        {
            throw new CommandLine.TypeConversionException("longitude " + lon + " is outside -180..180");
        }
    }

    private static double[] numbers(final String value, final int count, final String expected)
    {
        final String[] parts = value.split(",", -1);
        if (parts.length != count)
        {
            throw new CommandLine.TypeConversionException("give " + expected + "; got '" + value + "'");
        }
        final double[] numbers = new double[count];
        for (int i = 0; i < count; i++)
        {
            try
            {
                numbers[i] = Double.parseDouble(parts[i].strip());
            }
            catch (final NumberFormatException ex)
            {
                throw new CommandLine.TypeConversionException("give " + expected + "; '" + parts[i] + "' is not a number");
            }
            if (!Double.isFinite(numbers[i]))
            {
                throw new CommandLine.TypeConversionException("give " + expected + "; '" + parts[i] + "' is not a number");
            }
        }
        return numbers;
    }

    /** The shortest text that reads back as the same double, without an exponent for everyday values. */
    static String format(final double value)
    {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ?
            String.valueOf((long)value) : String.valueOf(value).toLowerCase(Locale.ROOT);
    }
}
