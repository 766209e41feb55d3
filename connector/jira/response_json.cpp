#include "jira/response_json.hpp"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace j2s {

namespace {

// simdjson's DOM parser picks its SIMD kernel at run time (its On-Demand API fixes it at compile time, and
// Debian's generic x86-64 build would get the slow fallback kernel).
namespace dom = simdjson::dom;

// Parsing is CPU-bound, so more parses at once than cores gains nothing; each parser keeps buffers sized
// to the largest body it has read (allocated at several times the body's size). One parser per core,
// reused, bounds that memory by the core count instead of by max_concurrency, and spares the allocator the
// churn of page-sized buffers (a parser per call raised a 10,000-issue Cloud backfill's peak RSS from 183
// to 236 MB; this pool: 195 MB).
class ParserPool {
public:
    class Lease {
    public:
        Lease(ParserPool& pool, std::unique_ptr<dom::parser> parser) : m_pool(pool), m_parser(std::move(parser)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { m_pool.release(std::move(m_parser)); }
        dom::parser* operator->() { return m_parser.get(); }

    private:
        ParserPool& m_pool;
        std::unique_ptr<dom::parser> m_parser;
    };

    static ParserPool& instance() {
        static ParserPool pool(std::max(1u, std::thread::hardware_concurrency()));
        return pool;
    }

    Lease acquire() {
        std::unique_lock lock(m_mutex);
        m_available.wait(lock, [&] { return !m_idle.empty() || m_created < m_size; });
        if (m_idle.empty()) {
            ++m_created;
            return Lease(*this, std::make_unique<dom::parser>());
        }
        auto parser = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(*this, std::move(parser));
    }

private:
    explicit ParserPool(unsigned size) : m_size(size) {}

    void release(std::unique_ptr<dom::parser> parser) {
        {
            std::lock_guard lock(m_mutex);
            // A parser that read a 1,000-issue Server page holds tens of MB; let it go rather than keep
            // that resident for the rest of the run (its next use allocates afresh, untouched pages cost
            // nothing). Cloud's 100-issue pages stay well under this and keep their parser.
            if (parser->capacity() > kKeptCapacity) --m_created;
            else m_idle.push_back(std::move(parser));
        }
        m_available.notify_one();
    }

    static constexpr std::size_t kKeptCapacity = 4 << 20;
    const unsigned m_size;
    unsigned m_created = 0;
    std::vector<std::unique_ptr<dom::parser>> m_idle;
    std::mutex m_mutex;
    std::condition_variable m_available;
};

// Idle parsers for JsonDocument, which holds one for as long as the document lives. Unlike the pool, it never
// makes a caller wait (a new parser is made when none is idle), and keeps a few small ones.
class IdleParsers {
public:
    static IdleParsers& instance() {
        static IdleParsers idle;
        return idle;
    }

    std::unique_ptr<dom::parser> take() {
        {
            std::lock_guard lock(m_mutex);
            if (!m_idle.empty()) {
                auto parser = std::move(m_idle.back());
                m_idle.pop_back();
                return parser;
            }
        }
        return std::make_unique<dom::parser>();
    }

    void give_back(std::unique_ptr<dom::parser> parser) {
        // Large ones are let go, as in the pool: a 10,000-history changelog page leaves tens of MB of buffers.
        if (parser->capacity() > kKeptCapacity) return;
        std::lock_guard lock(m_mutex);
        if (m_idle.size() < kKept) m_idle.push_back(std::move(parser));
    }

private:
    static constexpr std::size_t kKeptCapacity = 4 << 20;
    static constexpr std::size_t kKept = 8;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<dom::parser>> m_idle;
};

void copy_value(dom::element element, nlohmann::json& out) {
    switch (element.type()) {
    case dom::element_type::OBJECT: {
        out = nlohmann::json::object();
        auto& object = out.get_ref<nlohmann::json::object_t&>();
        // operator[] keeps the last of duplicate keys, as nlohmann's parser does.
        for (const auto field : dom::object(element)) copy_value(field.value, object[std::string(field.key)]);
        return;
    }
    case dom::element_type::ARRAY: {
        out = nlohmann::json::array();
        auto& array = out.get_ref<nlohmann::json::array_t&>();
        const dom::array elements(element);
        array.reserve(elements.size());
        for (const auto item : elements) copy_value(item, array.emplace_back());
        return;
    }
    case dom::element_type::STRING: out = std::string(std::string_view(element)); return;
    case dom::element_type::INT64: out = std::int64_t(element); return;
    case dom::element_type::UINT64: out = std::uint64_t(element); return;
    case dom::element_type::DOUBLE: out = double(element); return;
    case dom::element_type::BOOL: out = bool(element); return;
    case dom::element_type::NULL_VALUE: out = nullptr; return;
    }
    throw simdjson::simdjson_error(simdjson::TAPE_ERROR);
}

std::optional<nlohmann::json> parse_with_nlohmann(const std::string& body) {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded()) return std::nullopt;
    return parsed;
}

}  // namespace

std::optional<nlohmann::json> parse_response_json(std::string& body) {
    if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    try {
        ParserPool::Lease parser = ParserPool::instance().acquire();
        dom::element root;
        if (parser->parse(body.data(), body.size(), false).get(root) != simdjson::SUCCESS) return parse_with_nlohmann(body);
        if (!root.is_object() && !root.is_array()) return parse_with_nlohmann(body);
        nlohmann::json out;
        copy_value(root, out);
        return out;
    } catch (const simdjson::simdjson_error&) {
        // Malformed, or valid JSON simdjson does not take (an integer past 64 bits): nlohmann decides.
        return parse_with_nlohmann(body);
    }
}

std::optional<JsonDocument> JsonDocument::parse(std::string& body) {
    if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    JsonDocument document;
    auto fall_back = [&]() -> std::optional<JsonDocument> {
        auto parsed = parse_with_nlohmann(body);
        if (!parsed) return std::nullopt;
        document.m_parser.reset();
        document.m_fallback = std::make_unique<nlohmann::json>(std::move(*parsed));
        return std::move(document);
    };
    try {
        document.m_parser.reset(IdleParsers::instance().take().release());
        if (document.m_parser->parse(body.data(), body.size(), false).get(document.m_root) != simdjson::SUCCESS)
            return fall_back();
        if (!document.m_root.is_object() && !document.m_root.is_array()) return fall_back();
        return document;
    } catch (const simdjson::simdjson_error&) {
        return fall_back();
    }
}

void JsonDocument::ReturnParser::operator()(dom::parser* parser) const {
    IdleParsers::instance().give_back(std::unique_ptr<dom::parser>(parser));
}

JsonDocument::Value JsonDocument::root() const {
    return m_fallback ? Value(m_fallback.get()) : Value(m_root);
}

std::optional<JsonDocument::Value> JsonDocument::Value::find(std::string_view key) const {
    if (const auto* json = std::get_if<const nlohmann::json*>(&m_value)) {
        if (!(*json)->is_object()) return std::nullopt;
        const auto it = (*json)->find(key);
        if (it == (*json)->end()) return std::nullopt;
        return Value(&*it);
    }
    const auto element = std::get<dom::element>(m_value);
    if (!element.is_object()) return std::nullopt;
    std::optional<Value> found;
    for (const auto field : dom::object(element))  // the last of duplicate keys, as nlohmann keeps
        if (field.key == key) found = Value(field.value);
    return found;
}

void JsonDocument::Value::for_each_element(const std::function<void(const Value&)>& visit) const {
    if (const auto* json = std::get_if<const nlohmann::json*>(&m_value)) {
        if (!(*json)->is_array()) return;
        for (const auto& item : **json) visit(Value(&item));
        return;
    }
    const auto element = std::get<dom::element>(m_value);
    if (!element.is_array()) return;
    for (const auto item : dom::array(element)) visit(Value(item));
}

nlohmann::json JsonDocument::Value::to_json() const {
    if (const auto* json = std::get_if<const nlohmann::json*>(&m_value)) return **json;
    nlohmann::json out;
    copy_value(std::get<dom::element>(m_value), out);
    return out;
}

}  // namespace j2s
