package io.framepack.operator;

import org.eclipse.microprofile.config.spi.Converter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The cluster's image URL allow-list (operator setting {@code framepack.worker.url-allowlist}),
 * handed to every worker as {@link io.framepack.api.worker.WorkerContract#URL_ALLOWLIST_ENV}. The
 * worker does the matching; the operator only makes sure each entry is one the worker can read,
 * so a typo stops the operator at startup instead of silently allowing nothing or too much.
 */
record UrlAllowlist(List<String> entries) {
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*");
    private static final Pattern PREFIX_LENGTH = Pattern.compile("0|[1-9][0-9]{0,2}");

    /** Comma-separated entries, each a host name, an IPv4 or IPv6 address, or either with a {@code /prefix-length}. */
    public static final class ListConverter implements Converter<UrlAllowlist> {
        @Override
        public UrlAllowlist convert(String text) {
            return new UrlAllowlist(Arrays.stream(text.split(",")).map(UrlAllowlist::entry).toList());
        }
    }

    private static String entry(String text) {
        String entry = text.strip().toLowerCase(Locale.ROOT);
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        boolean v4 = IPV4.matcher(address).matches();
        boolean v6 = !v4 && isIpv6(address);
        if (slash < 0 && (v4 || v6 || HOST_NAME.matcher(entry).matches())) {
            return entry;
        }
        if (slash >= 0 && (v4 || v6)) {
            String prefix = entry.substring(slash + 1);
            if (PREFIX_LENGTH.matcher(prefix).matches() && Integer.parseInt(prefix) <= (v4 ? 32 : 128)) {
                return entry;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a host name, an IP address or a CIDR block"
                + " such as minio.storage.svc, 10.0.0.5 or 10.0.0.0/8");
    }

    /** A literal with a colon is parsed, never looked up in DNS. */
    private static boolean isIpv6(String address) {
        if (!IPV6_CHARACTERS.matcher(address).matches()) {
            return false;
        }
        try {
            InetAddress.getByName(address);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
