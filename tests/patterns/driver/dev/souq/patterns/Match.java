// Match runs AWS's Event Ruler over Souq's event patterns and a corpus of
// events, for tests/patterns (the Go test compares it with quamina).
//
// Input, on stdin, one JSON object:
//   {"patterns": [{"name": "...", "pattern": "<pattern JSON>"}, ...],
//    "events":   ["<event JSON>", ...]}
// Events are strings so that Ruler reads the very bytes quamina reads.
//
// Output, on stdout, one JSON object:
//   {"rejected": {"<name>": "<why>"},
//    "matches": [["<name>", ...] or null, ...], "errors": ["<why>" or null, ...]}
// matches[i] is the names of the patterns event i matches, sorted; null
// (with errors[i] set) when Ruler could not match the event at all.
package dev.souq.patterns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.event.ruler.Machine;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public final class Match {
    private Match() {
    }

    // EventBridge's engine as Machine.builder() builds it, except that a
    // pattern naming a field twice is rejected rather than silently taking
    // the last one: the CDK app (encoding/json) and quamina need not agree
    // on which one wins.
    private static Machine machine() {
        return Machine.builder().withOverridesForDuplicateRules(false).build();
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode in = json.readTree(System.in);
        ObjectNode out = json.createObjectNode();
        ObjectNode rejected = out.putObject("rejected");

        Machine all = machine();
        for (JsonNode p : in.path("patterns")) {
            String name = p.path("name").asText();
            String pattern = p.path("pattern").asText();
            // Each pattern is tried alone first, so that a rejected one
            // leaves nothing half-added in the machine the events meet.
            try {
                machine().addRule(name, pattern);
                all.addRule(name, pattern);
            } catch (Exception | StackOverflowError e) {
                rejected.put(name, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }

        ArrayNode matches = out.putArray("matches");
        ArrayNode errors = out.putArray("errors");
        for (JsonNode ev : in.path("events")) {
            try {
                List<String> names = new ArrayList<>(all.rulesForJSONEvent(ev.asText()));
                Collections.sort(names);
                ArrayNode m = matches.addArray();
                names.forEach(m::add);
                errors.addNull();
            } catch (Exception e) {
                matches.addNull();
                errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        PrintStream stdout = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        stdout.println(json.writeValueAsString(out));
        stdout.flush();
    }
}
