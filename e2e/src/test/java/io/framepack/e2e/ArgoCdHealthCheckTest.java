package io.framepack.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the documented Argo CD health check (Lua, as Argo CD runs it) on VideoGeneration states. */
class ArgoCdHealthCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{}                                                                                  | Progressing | Waiting for the operator",
        "{'phase':'Running','progress':'3/8','observedGeneration':1,'message':'Rendering section 4 of 8'} | Progressing | Rendering section 4 of 8 (3/8)",
        "{'phase':'Running','observedGeneration':0}                                          | Progressing | Waiting for the operator to observe generation 1",
        "{'phase':'Succeeded','progress':'8/8','observedGeneration':1,'message':'Video written'} | Healthy | Video written (8/8)",
        "{'phase':'Failed','observedGeneration':1,'conditions':[{'type':'Stalled','status':'True','message':'Input image is not a PNG, JPEG or WebP'}]} | Degraded | Input image is not a PNG, JPEG or WebP",
        "{'phase':'Suspended','observedGeneration':1,'message':'Suspended by spec.suspend'}  | Suspended | Suspended by spec.suspend",
        "{'phase':'Pending','observedGeneration':1,'conditions':[{'type':'Ready','status':'False'}]} | Progressing | Pending",
    })
    void mapsStatusToArgoHealth(String status, String expectedHealth, String expectedMessage) throws Exception {
        String resource = "{'apiVersion':'framepack.io/v1alpha1','kind':'VideoGeneration','metadata':{'name':'a','generation':1}"
                + (status.equals("{}") ? "" : ",'status':" + status) + "}";
        LuaTable health = evaluate(JSON.readTree(resource.replace('\'', '"')));
        assertThat(health.get("status").tojstring()).isEqualTo(expectedHealth);
        assertThat(health.get("message").tojstring()).isEqualTo(expectedMessage);
    }

    private static LuaTable evaluate(JsonNode resource) throws Exception {
        String script = Files.readString(Repo.root().resolve("src/docs/argocd/health.lua"));
        Globals globals = JsePlatform.standardGlobals();
        globals.set("obj", toLua(resource));
        return globals.load(script, "health.lua").call().checktable();
    }

    private static LuaValue toLua(JsonNode node) {
        if (node.isObject()) {
            LuaTable table = new LuaTable();
            node.fields().forEachRemaining(e -> table.set(e.getKey(), toLua(e.getValue())));
            return table;
        }
        if (node.isArray()) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, toLua(node.get(i)));
            }
            return table;
        }
        if (node.isNumber()) {
            return LuaValue.valueOf(node.asDouble());
        }
        if (node.isBoolean()) {
            return LuaValue.valueOf(node.asBoolean());
        }
        return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
    }
}
