package io.framepack.worker.cli;

import io.framepack.worker.image.ImageDecoder;
import io.framepack.worker.runtime.InvalidInputException;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An image from an http(s) URL, bounded in size and time: a body past the size limit, a server
 * that stops sending for longer than the idle timeout, or a download past the total deadline is
 * abandoned with an error naming the URL. Redirects are followed by hand, each hop checked by the
 * {@link UrlPolicy}.
 */
final class ImageDownload {
    /** The limits; {@link #DEFAULT} in production, tighter ones in tests. */
    record Limits(long maxBytes, Duration connect, Duration idle, Duration total, int maxRedirects) {
        static final Limits DEFAULT = new Limits(ImageDecoder.MAX_FILE_BYTES, Duration.ofSeconds(20), Duration.ofSeconds(30),
                Duration.ofMinutes(5), 5);
    }

    private final UrlPolicy policy;
    private final Limits limits;
    private final HttpClient client;

    /** What is downloaded, as messages name it. */
    private final String what;

    ImageDownload(UrlPolicy policy, Limits limits) {
        this(policy, limits, "image");
    }

    ImageDownload(UrlPolicy policy, Limits limits, String what) {
        this.policy = policy;
        this.limits = limits;
        this.what = what;
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(limits.connect()).build();
    }

    byte[] get(String url) throws IOException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, what + " URL is invalid: " + e.getReason());
        }
        long deadline = System.nanoTime() + limits.total().toNanos();
        for (int hop = 0; ; hop++) {
            policy.check(uri);
            HttpResponse<byte[]> response = fetch(uri, deadline);
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                Optional<String> location = response.headers().firstValue("Location");
                if (location.isEmpty()) {
                    throw new IOException("cannot download " + what + " " + Urls.shown(uri) + ": HTTP " + status + " without a Location");
                }
                if (hop == limits.maxRedirects()) {
                    throw new InvalidInputException(InvalidInputException.INPUT, what + " URL " + Urls.shown(uri)
                            + " redirects more than " + limits.maxRedirects() + " times");
                }
                uri = uri.resolve(location.get());
                continue;
            }
            if (status == 404 || status == 410) {
                throw new InvalidInputException(InvalidInputException.INPUT,
                        what + " " + Urls.shown(uri) + " does not exist (HTTP " + status + ")");
            }
            if (status != 200) {
                throw new IOException("cannot download " + what + " " + Urls.shown(uri) + ": HTTP " + status);
            }
            return response.body();
        }
    }

    private HttpResponse<byte[]> fetch(URI uri, long deadline) throws IOException {
        AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri).GET().build();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(InvalidInputException.INPUT, what + " URL " + Urls.shown(uri) + " is invalid: "
                    + e.getMessage());
        }
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request, info -> {
            lastActivity.set(System.nanoTime());
            return info.statusCode() == 200 ? new LimitedBody(uri, info.headers().firstValueAsLong("Content-Length"), lastActivity)
                    : HttpResponse.BodySubscribers.replacing(null);
        });
        try {
            while (true) {
                long now = System.nanoTime();
                long idleEnd = lastActivity.get() + limits.idle().toNanos();
                if (now >= deadline) {
                    throw new IOException("cannot download " + what + " " + Urls.shown(uri) + ": not done within "
                            + seconds(limits.total()));
                }
                if (now >= idleEnd) {
                    throw new IOException("cannot download " + what + " " + Urls.shown(uri) + ": the server sent nothing for "
                            + seconds(limits.idle()));
                }
                try {
                    return exchange.get(Math.min(deadline, idleEnd) - now, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // look at the clocks again: data may have come meanwhile
                }
            }
        } catch (ExecutionException e) {
            throw failure(uri, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + what + " " + Urls.shown(uri), e);
        } finally {
            exchange.cancel(true);
        }
    }

    private IOException failure(URI uri, Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause()) {
            if (c instanceof InvalidInputException invalid) {
                throw invalid;
            }
        }
        String reason = cause instanceof HttpConnectTimeoutException ? "no connection within " + seconds(limits.connect())
                : cause instanceof ConnectException ? "connection refused"
                : cause instanceof HttpTimeoutException ? "timed out"
                : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return new IOException("cannot download " + what + " " + Urls.shown(uri) + ": " + reason, cause);
    }

    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** Collects the body up to the size limit and notes when data last came. */
    private final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final URI uri;
        private final AtomicLong lastActivity;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBody(URI uri, OptionalLong declaredLength, AtomicLong lastActivity) {
            this.uri = uri;
            this.lastActivity = lastActivity;
            if (declaredLength.isPresent() && declaredLength.getAsLong() > limits.maxBytes()) {
                result.completeExceptionally(tooLarge());
            }
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (result.isDone()) {
                subscription.cancel();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            lastActivity.set(System.nanoTime());
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + (long) buffer.remaining() > limits.maxBytes()) {
                    subscription.cancel();
                    result.completeExceptionally(tooLarge());
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        private InvalidInputException tooLarge() {
            return BoundedReads.tooLarge(what + " " + Urls.shown(uri), limits.maxBytes());
        }
    }
}
