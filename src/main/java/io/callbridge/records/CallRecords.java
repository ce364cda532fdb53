package io.callbridge.records;

import io.callbridge.call.CallQuery;
import io.callbridge.call.CallService;
import io.callbridge.call.CallState;
import io.callbridge.call.CallView;
import io.callbridge.call.EndReason;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.UserIds;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.callbridge.records.Answers.MAX_LIMIT;
import static io.callbridge.records.Answers.clean;
import static io.callbridge.records.Answers.number;
import static io.callbridge.records.Answers.param;
import static io.callbridge.records.Answers.problem;

/** Call history as JSON, for the call-record and call-records routes. */
@ApplicationScoped
@Named("callRecords")
public class CallRecords {

    @Inject
    CallService calls;

    public void one(Exchange exchange) {
        String id = exchange.getMessage().getHeader("callId", String.class);
        clean(exchange);
        calls.store().find(id).ifPresentOrElse(
                c -> exchange.getMessage().setBody(ThingCodec.toJson(CallView.of(c))),
                () -> problem(exchange, 404, "no call " + id));
    }

    /** {@code GET /api/calls?device=&user=&state=&reason=&from=&to=&limit=&offset=}, newest first. */
    public void search(Exchange exchange) {
        Message in = exchange.getMessage();
        CallQuery query;
        try {
            int limit = number(in, "limit", 50, 1, MAX_LIMIT);
            int offset = number(in, "offset", 0, 0, Integer.MAX_VALUE);
            query = new CallQuery(param(in, "device", DeviceId::parse), param(in, "user", u -> {
                UserIds.requireValid(u);
                return u;
            }), param(in, "state", s -> CallState.valueOf(s.toUpperCase(Locale.ROOT))),
                    param(in, "reason", r -> EndReason.valueOf(r.toUpperCase(Locale.ROOT))),
                    param(in, "from", Instant::parse), param(in, "to", Instant::parse), limit, offset);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            clean(exchange);
            problem(exchange, 400, e.getMessage());
            return;
        }
        clean(exchange);
        List<Map<String, Object>> found = calls.store().search(query).stream().map(CallView::of).toList();
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("calls", found);
        page.put("limit", query.limit());
        page.put("offset", query.offset());
        page.put("next", found.size() == query.limit() ? query.offset() + query.limit() : null);
        exchange.getMessage().setBody(ThingCodec.toJson(page));
    }

}
