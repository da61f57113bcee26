package io.odyssey.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A server's answer read as UTF-8 text (JSON is UTF-8, RFC 8259), at most {@code maxBytes} of it: a longer answer
 * (hostile, intercepted, or a bug) fails with {@link TooLarge} and the exchange is cancelled, which closes the
 * connection, rather than growing the CLI's heap until it dies. An answer that declares a longer {@code Content-Length}
 * is refused before a byte of it is read.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<String>
{
    /** The answer was longer than the limit. */
    static final class TooLarge extends IOException
    {
        private static final long serialVersionUID = 1L;

        TooLarge(final int maxBytes)
        {
            super("larger than " + maxBytes + " bytes");
        }
    }

    private final int maxBytes;
    private final boolean declaredTooLarge;
    private final ByteArrayOutputStream bytes;
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private BoundedBody(final int maxBytes, final long declaredLength)
    {
        this.maxBytes = maxBytes;
        this.declaredTooLarge = declaredLength > maxBytes;
        this.bytes = new ByteArrayOutputStream(declaredLength > 0 && !declaredTooLarge ? (int)declaredLength : 8192);
    }

    static HttpResponse.BodyHandler<String> handler(final int maxBytes)
    {
        return info -> new BoundedBody(maxBytes, info.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    public CompletionStage<String> getBody()
    {
        return body;
    }

    public void onSubscribe(final Flow.Subscription subscription)
    {
        this.subscription = subscription;
        if (declaredTooLarge)
        {
            tooLarge();
            return;
        }
        // Demand is not the bound here (the exchange's buffers are small); the count of bytes kept is.
        subscription.request(Long.MAX_VALUE);
    }

    public void onNext(final List<ByteBuffer> buffers)
    {
        if (body.isDone())
        {
            return;
        }
        for (final ByteBuffer buffer : buffers)
        {
            if (buffer.remaining() > maxBytes - bytes.size())
            {
                tooLarge();
                return;
            }
            final byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            bytes.write(chunk, 0, chunk.length);
        }
    }

    public void onError(final Throwable error)
    {
        body.completeExceptionally(error);
    }

    public void onComplete()
    {
        body.complete(bytes.toString(StandardCharsets.UTF_8));
    }

    private void tooLarge()
    {
        subscription.cancel();
        bytes.reset();
        body.completeExceptionally(new TooLarge(maxBytes));
    }
}
