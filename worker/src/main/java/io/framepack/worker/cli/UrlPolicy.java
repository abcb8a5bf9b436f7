package io.framepack.worker.cli;

import io.framepack.api.worker.WorkerContract;
import io.framepack.worker.runtime.InvalidInputException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where an image URL may lead: a user's URL must not make the worker reach into the cluster, the
 * node or the cloud's metadata service. Loopback, link-local, private, carrier-grade NAT, reserved
 * and multicast addresses are refused unless {@link WorkerContract#URL_ALLOWLIST_ENV} names the
 * host or a range holding the address. Every redirect hop is checked again.
 */
final class UrlPolicy {
    private static final List<Cidr> INTERNAL = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.0.0.0/24"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"), Cidr.parse("224.0.0.0/3"),
            Cidr.parse("::/127"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"), Cidr.parse("fec0::/10"),
            Cidr.parse("ff00::/8"));

    private final Set<String> hosts = new TreeSet<>();
    private final List<Cidr> ranges = new ArrayList<>();

    /** @param allowList the environment variable's value, or null */
    static UrlPolicy allowing(String allowList) {
        UrlPolicy policy = new UrlPolicy();
        if (allowList == null) {
            return policy;
        }
        for (String entry : allowList.split(",")) {
            String item = entry.strip().toLowerCase(Locale.ROOT);
            if (item.isEmpty()) {
                continue;
            }
            if (item.contains("/") || Cidr.isAddressLiteral(item)) {
                try {
                    policy.ranges.add(Cidr.parse(item.contains("/") ? item : item + "/" + Cidr.fullLength(item)));
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(InvalidInputException.INPUT, WorkerContract.URL_ALLOWLIST_ENV + ": '" + entry.strip()
                            + "' is neither a host name, an IP address nor a CIDR range (" + e.getMessage() + ")");
                }
            } else {
                policy.hosts.add(item);
            }
        }
        return policy;
    }

    /** Refuses a URL that is not http(s) or whose host resolves to an address not allowed. */
    void check(URI url) throws IOException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidInputException(InvalidInputException.INPUT, "image URL " + Urls.shown(url) + " is not http or https");
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new InvalidInputException(InvalidInputException.INPUT, "image URL " + Urls.shown(url) + " has no host");
        }
        String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (hosts.contains(name.toLowerCase(Locale.ROOT))) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            throw new IOException("cannot download image " + Urls.shown(url) + ": host " + name + " is unknown", e);
        }
        for (InetAddress address : addresses) {
            if (INTERNAL.stream().anyMatch(range -> range.contains(address)) && ranges.stream().noneMatch(range -> range.contains(address))) {
                throw new InvalidInputException(InvalidInputException.INPUT, "image URL " + Urls.shown(url) + " leads to "
                        + address.getHostAddress() + ", a loopback, private, link-local or other internal address; the worker"
                        + " does not fetch those unless " + WorkerContract.URL_ALLOWLIST_ENV + " allows the host or the address");
            }
        }
    }

    /** An address range. */
    record Cidr(byte[] network, int prefixLength) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0 || !isAddressLiteral(text.substring(0, slash))) {
                throw new IllegalArgumentException("expected address/prefix-length");
            }
            byte[] network = literal(text.substring(0, slash)).getAddress();
            int length;
            try {
                length = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the prefix length is not a number");
            }
            if (length < 0 || length > network.length * 8) {
                throw new IllegalArgumentException("the prefix length must be between 0 and " + network.length * 8);
            }
            return new Cidr(network, length);
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefixLength; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        /** An IPv4 or IPv6 literal; never a name (resolving one here would ask DNS). */
        static boolean isAddressLiteral(String text) {
            return text.matches("[0-9.]+") && text.split("\\.", -1).length == 4 || text.contains(":") && text.matches("[0-9a-f:.]+");
        }

        static int fullLength(String literal) {
            return literal(literal).getAddress().length * 8;
        }

        private static InetAddress literal(String text) {
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + text);
            }
        }
    }
}
