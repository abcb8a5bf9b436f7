package io.framepack.e2e;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.List;
import java.util.Optional;

/**
 * One request to the API server in the terms RBAC judges it by: verb, API group, resource (with
 * subresource), namespace and name. Requests for discovery paths (/version, /apis) have none.
 *
 * @param caller the bearer token the request carried ("" for none): which process made it
 */
record ApiCall(String caller, String verb, String group, String resource, String namespace, String name) {

    static Optional<ApiCall> of(RecordedRequest request) {
        String authorization = request.getHeader("Authorization");
        String caller = authorization == null ? "" : authorization.replaceFirst("^Bearer ", "");
        String[] pathAndQuery = request.getPath().split("\\?", 2);
        boolean watch = pathAndQuery.length > 1 && pathAndQuery[1].matches("(.*&)?watch=(true|1)(&.*)?");
        List<String> segments = List.of(pathAndQuery[0].replaceFirst("^/", "").split("/"));
        int start = segments.get(0).equals("api") ? 2 : segments.get(0).equals("apis") ? 3 : -1;
        if (start < 0 || segments.size() <= start) {
            return Optional.empty();
        }
        String group = segments.get(0).equals("api") ? "" : segments.get(1);
        List<String> rest = segments.subList(start, segments.size());
        String namespace = null;
        if (rest.get(0).equals("namespaces") && rest.size() > 2) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        String name = rest.size() > 1 ? rest.get(1) : null;
        String resource = rest.size() > 2 ? rest.get(0) + "/" + rest.get(2) : rest.get(0);
        String verb = switch (request.getMethod()) {
            case "GET" -> name != null ? "get" : watch ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> request.getMethod();
        };
        return Optional.of(new ApiCall(caller, verb, group, resource, namespace, name));
    }

    /** Whether one of the rules grants this call (rules of a Role in the call's namespace, or of a ClusterRole). */
    boolean allowedBy(List<PolicyRule> rules) {
        return rules.stream().anyMatch(rule -> rule.getApiGroups().contains(group) && rule.getResources().contains(resource)
                && rule.getVerbs().contains(verb)
                && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(name)));
    }

    @Override
    public String toString() {
        return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (namespace == null ? "" : " in " + namespace)
                + (name == null ? "" : " " + name);
    }
}
