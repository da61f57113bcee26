package io.odyssey.gateway;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ClientRequestTest
{
    @Test
    void shouldParseASubscriptionToABox()
    {
        final ClientRequest request = parse("{\"type\":\"subscribe\",\"bbox\":[150,-34.5,152.25,-33]}");

        assertThat(request.kind()).isEqualTo(ClientRequest.Kind.SUBSCRIBE);
        assertThat(request.bbox()).isEqualTo(new BoundingBox(150, -34.5, 152.25, -33));
    }

    @Test
    void shouldParseASubscriptionToTheWholeFleet()
    {
        final ClientRequest request = parse("{\"bbox\":null,\"type\":\"subscribe\"}");

        assertThat(request.kind()).isEqualTo(ClientRequest.Kind.SUBSCRIBE);
        assertThat(request.bbox()).isNull();
    }

    @Test
    void shouldAcceptABoxAcrossTheAntimeridian()
    {
        final ClientRequest request = parse("{\"type\":\"subscribe\",\"bbox\":[170,-10,-170,10]}");

        assertThat(request.bbox()).isEqualTo(new BoundingBox(170, -10, -170, 10));
    }

    @Test
    void shouldRefuseAMessageThatNamesAFieldTwiceRatherThanTakeEitherValue()
    {
        // Which of two values a parser keeps is its own choice (Jackson keeps the last, others the first): a check
        // in front of the gateway (a proxy, a log) may read the other one.
        for (final String message : new String[]{
            "{\"type\":\"subscribe\",\"bbox\":[1,2,3,4],\"bbox\":null}",
            "{\"type\":\"ping\",\"type\":\"subscribe\",\"bbox\":null}",
            "{\"type\":\"flow\",\"window\":1,\"window\":1000}",
            "{\"type\":\"subscribe\",\"bbox\":null,\"x\":{\"a\":1,\"a\":2}}"})
        {
            final ClientRequest request = parse(message);
            assertThat(request.kind()).as(message).isEqualTo(ClientRequest.Kind.ERROR);
            assertThat(request.errorCode()).as(message).isEqualTo(ClientRequest.BAD_JSON);
            assertThat(request.errorMessage()).as(message).contains("duplicate field");
        }
    }

    @Test
    void shouldIgnoreFieldsItDoesNotKnow()
    {
        final ClientRequest request = parse(
            "{\"future\":{\"nested\":[1,{\"a\":null}]},\"type\":\"subscribe\",\"bbox\":[1,2,3,4],\"more\":\"x\"}");

        assertThat(request.kind()).isEqualTo(ClientRequest.Kind.SUBSCRIBE);
        assertThat(request.bbox()).isEqualTo(new BoundingBox(1, 2, 3, 4));
    }

    @Test
    void shouldParseAPingWhateverElseItCarries()
    {
        assertThat(parse("{\"type\":\"ping\"}").kind()).isEqualTo(ClientRequest.Kind.PING);
        assertThat(parse("{\"type\":\"ping\",\"bbox\":\"nonsense\",\"t\":123}").kind()).isEqualTo(ClientRequest.Kind.PING);
    }

    @Test
    void shouldRefuseWhatIsNotOneJsonObject()
    {
        assertError("this is not json", ClientRequest.BAD_JSON);
        assertError("", ClientRequest.BAD_JSON);
        assertError("[1,2]", ClientRequest.BAD_JSON);
        assertError("\"ping\"", ClientRequest.BAD_JSON);
        assertError("{\"type\":\"ping\"", ClientRequest.BAD_JSON);
        assertError("{\"type\":\"ping\"} {\"type\":\"ping\"}", ClientRequest.BAD_JSON);
        assertError("{\"type\":\"ping\"} trailing", ClientRequest.BAD_JSON);
        assertError("{\"type\":ping}", ClientRequest.BAD_JSON);
        assertError("{\"bbox\":[1,2,3,4", ClientRequest.BAD_JSON);
        assertError("[".repeat(1000), ClientRequest.BAD_JSON);
    }

    @Test
    void shouldRefuseMissingOrUnknownTypes()
    {
        assertError("{}", ClientRequest.UNKNOWN_TYPE);
        assertError("{\"type\":5}", ClientRequest.UNKNOWN_TYPE);
        assertError("{\"type\":null}", ClientRequest.UNKNOWN_TYPE);
        assertError("{\"type\":\"launch-missiles\"}", ClientRequest.UNKNOWN_TYPE);
        assertThat(parse("{\"type\":\"" + "x".repeat(1000) + "\"}").errorMessage()).hasSizeLessThan(100);
    }

    @Test
    void shouldNeverCutACharacterInTwoWhenItShortensAnUnknownType()
    {
        // 63 letters, then U+1F681 (a helicopter, two UTF-16 units) across the 64th: cut by units, half of it went back.
        final String message = parse("{\"type\":\"" + "x".repeat(63) + "\uD83D\uDE81tail\"}").errorMessage();
        assertThat(message).contains("x".repeat(63) + "\uD83D\uDE81...");
        assertThat(message.chars().filter(c -> Character.isSurrogate((char)c)).count()).isEqualTo(2);
    }

    @Test
    void shouldRefuseBadBoxes()
    {
        assertError("{\"type\":\"subscribe\"}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[10,20,30]}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[10,20,30,40,50]}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[10,\"20\",30,40]}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[10,[20],30,40]}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":\"10,20,30,40\"}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":{\"west\":1}}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[0,50,10,40]}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[-200,0,10,40]}", ClientRequest.BAD_BBOX);
        assertError("{\"type\":\"subscribe\",\"bbox\":[0,0,10,1e999]}", ClientRequest.BAD_BBOX);
        assertThat(parse("{\"type\":\"subscribe\",\"bbox\":[0,50,10,40]}").errorMessage()).contains("south < north");
    }

    private static void assertError(final String text, final String code)
    {
        final ClientRequest request = parse(text);
        assertThat(request.kind()).as(text).isEqualTo(ClientRequest.Kind.ERROR);
        assertThat(request.errorCode()).as(text).isEqualTo(code);
        assertThat(request.errorMessage()).as(text).isNotBlank();
    }

    private static ClientRequest parse(final String text)
    {
        final byte[] bytes = ("garbage-before" + text + "garbage-after").getBytes(StandardCharsets.UTF_8);
        final byte[] message = new byte[bytes.length + 10];
        final int offset = "garbage-before".length();
        System.arraycopy(bytes, offset, message, 0, bytes.length - offset);
        return ClientRequest.parse(message, text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void shouldParseFlowControlAndRefuseWindowsAndFramesItCannotUse()
    {
        assertThat(parse("{\"type\":\"flow\",\"window\":2}").number()).isEqualTo(2);
        assertThat(parse("{\"type\":\"flow\",\"window\":64}").kind()).isEqualTo(ClientRequest.Kind.FLOW);
        assertThat(parse("{\"type\":\"ack\",\"frame\":9007199254740991}").number()).isEqualTo(9007199254740991L);
        assertThat(parse("{\"frame\":3.0,\"type\":\"ack\"}").kind()).isEqualTo(ClientRequest.Kind.ACK);
        for (final String bad : new String[]{"{\"type\":\"flow\"}", "{\"type\":\"flow\",\"window\":0}",
            "{\"type\":\"flow\",\"window\":65}", "{\"type\":\"flow\",\"window\":\"2\"}",
            "{\"type\":\"flow\",\"window\":1.5}", "{\"type\":\"flow\",\"window\":[2]}"})
        {
            assertThat(parse(bad).errorCode()).as(bad).isEqualTo(ClientRequest.BAD_FLOW);
        }
        for (final String bad : new String[]{"{\"type\":\"ack\"}", "{\"type\":\"ack\",\"frame\":0}",
            "{\"type\":\"ack\",\"frame\":-1}", "{\"type\":\"ack\",\"frame\":99999999999999999999999}",
            "{\"type\":\"ack\",\"frame\":null}", "{\"type\":\"ack\",\"frame\":{\"n\":1}}"})
        {
            assertThat(parse(bad).errorCode()).as(bad).isEqualTo(ClientRequest.BAD_ACK);
        }
    }
}
