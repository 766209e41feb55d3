#include "store/postgres_store.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <deque>
#include <map>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <regex>
#include <set>
#include <type_traits>
#include <variant>

#include "store/migrations.hpp"
#include "store/postgres_connection.hpp"
#include "store/postgres_entity_rows.hpp"
#include "store/postgres_params.hpp"
#include "util/errors.hpp"
#include "util/sha256.hpp"

namespace j2s {

namespace {

constexpr const char* kInterrupted = "interrupted (the process stopped before the run finished)";
constexpr const char* kPageIssues = "j2s_page_issues";
constexpr const char* kPageChangelog = "j2s_page_changelog";

const char* const kChangelogColumns[] = {
    "history_id", "item_index", "issue_id", "author_account_id", "author_display_name", "created", "field",
    "field_id",   "field_type", "from_value", "from_string",     "to_value",            "to_string"};

Timestamp now_utc() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Mapped names may be reserved words (`order`, `user`), so every identifier is quoted.
std::string quoted(const std::string& identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// A timestamptz column as the storage text of the SQLite store, whatever the session's zone.
std::string utc_text(const std::string& column) {
    return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

const char* nullable_text(const std::string& v) { return v.empty() ? nullptr : v.c_str(); }

std::string format_double(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return std::string(buf, r.ptr);
}

using Field = std::optional<std::string_view>;  // nullopt is SQL NULL

Field field_of(const std::optional<std::string>& v) { return v ? Field(*v) : std::nullopt; }

// COPYs rows into `table` in PostgreSQL's text format (tab-separated, \N for NULL, backslash escapes).
// libpqxx 6's stream_to only takes tuples of a fixed arity, but the issues table's arity depends on the
// mapping, so rows are encoded here and sent with tablewriter's raw-line call. Moving to libpqxx 7
// means replacing only this class.
class CopyWriter {
  public:
    CopyWriter(pqxx::transaction_base& tx, const std::string& table, const std::vector<std::string>& columns)
        : m_writer(make_writer(tx, table, columns)) {}

    void write(const std::vector<Field>& row) {
        m_line.clear();
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i) m_line += '\t';
            if (!row[i]) {
                m_line += "\\N";
                continue;
            }
            for (const char c : *row[i]) {
                switch (c) {
                    case '\\':
                        m_line += "\\\\";
                        break;
                    case '\t':
                        m_line += "\\t";
                        break;
                    case '\n':
                        m_line += "\\n";
                        break;
                    case '\r':
                        m_line += "\\r";
                        break;
                    default:
                        m_line += c;
                }
            }
        }
        m_writer->write_raw_line(m_line);
    }

    void complete() { m_writer->complete(); }

  private:
    static std::unique_ptr<pqxx::tablewriter> make_writer(pqxx::transaction_base& tx, const std::string& table,
                                                          const std::vector<std::string>& columns) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        return std::make_unique<pqxx::tablewriter>(tx, table, columns.begin(), columns.end());
#pragma GCC diagnostic pop
    }

    std::unique_ptr<pqxx::tablewriter> m_writer;
    std::string m_line;
};

std::optional<std::string> optional_field(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::string>();
}

Timestamp parse_stored_timestamp(const std::string& text, const char* what) {
    const auto t = parse_jira_timestamp(text);
    if (!t) throw StoreError(std::string("unreadable ") + what + " '" + text + "' in the database");
    return *t;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown host";
    return buf;
}

std::int64_t hash_key(const std::string& text) {
    return static_cast<std::int64_t>(std::stoull(sha256_hex(text).substr(0, 16), nullptr, 16));
}

std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const std::string hex = s.substr(i + 1, 2);
            char* end = nullptr;
            const long v = std::strtol(hex.c_str(), &end, 16);
            if (end == hex.c_str() + 2) {
                out += static_cast<char>(v);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// The passwords a connection string may carry, in every spelling that could be echoed back.
std::vector<std::string> secrets_of(const std::string& url) {
    std::vector<std::string> out;
    const auto scheme = url.find("://");
    if (scheme != std::string::npos) {
        const std::size_t start = scheme + 3;
        const std::size_t authority_end = url.find_first_of("/?#", start);
        const std::string authority = url.substr(start, authority_end == std::string::npos ? std::string::npos
                                                                                           : authority_end - start);
        const auto at = authority.rfind('@');
        if (at != std::string::npos) {
            const auto colon = authority.find(':');
            if (colon != std::string::npos && colon < at) {
                const std::string raw = authority.substr(colon + 1, at - colon - 1);
                out.push_back(raw);
                out.push_back(percent_decode(raw));
            }
        }
    }
    char* err = nullptr;
    if (PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err)) {
        for (PQconninfoOption* o = opts; o->keyword; ++o)
            if (std::string_view(o->keyword) == "password" && o->val && *o->val) out.emplace_back(o->val);
        PQconninfoFree(opts);
    }
    if (err) PQfreemem(err);
    if (const char* env = std::getenv("PGPASSWORD"); env && *env) out.emplace_back(env);
    std::vector<std::string> nonempty;
    for (auto& s : out)
        if (!s.empty()) nonempty.push_back(std::move(s));
    // Longest first, so a password containing another is replaced whole.
    std::sort(nonempty.begin(), nonempty.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return nonempty;
}

// "postgresql://user@host:port/dbname": what the URL points at, built from libpq's own parse so it can
// hold no password whatever the URL's spelling.
std::string describe_url(const std::string& url, const std::string& schema) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
    if (!opts) {
        std::string message = err ? err : "unparsable connection string";
        if (err) PQfreemem(err);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        throw ConfigError("database.url: not a valid PostgreSQL connection URL: " +
                          PostgresStore::scrub(message, url));
    }
    std::map<std::string, std::string> v;
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val) v[o->keyword] = o->val;
    PQconninfoFree(opts);
    std::string out = "postgresql://";
    if (!v["user"].empty()) out += v["user"] + "@";
    out += v["host"].empty() ? (v["hostaddr"].empty() ? "localhost" : v["hostaddr"]) : v["host"];
    if (!v["port"].empty()) out += ":" + v["port"];
    out += "/" + v["dbname"];
    return out + " (schema " + schema + ")";
}

// Routes server notices and warnings to the log instead of libpqxx's default of stderr.
class LogErrorHandler final : public pqxx::errorhandler {
  public:
    LogErrorHandler(pqxx::connection_base& c, std::string url) : pqxx::errorhandler(c), m_url(std::move(url)) {}
    bool operator()(const char msg[]) noexcept override {
        try {
            std::string text = PostgresStore::scrub(msg, m_url);
            while (!text.empty() && text.back() == '\n') text.pop_back();
            spdlog::warn("postgresql: {}", text);
        } catch (...) {
        }
        return false;
    }

  private:
    std::string m_url;
};

class PostgresRunLock final : public RunLock {
  public:
    PostgresRunLock(std::unique_ptr<pqxx::connection> conn, std::unique_ptr<pqxx::errorhandler> handler)
        : m_conn(std::move(conn)), m_handler(std::move(handler)) {}
    ~PostgresRunLock() override {
        // Closing the session releases its advisory locks too, but the server notices the disconnect a moment
        // later; unlock explicitly so a run started right after this one is not told the lock is held.
        try {
            pqxx::nontransaction tx(*m_conn);
            tx.exec("SELECT pg_advisory_unlock_all()");
        } catch (...) {
        }
        m_handler.reset();
        try {
            m_conn->disconnect();
        } catch (...) {
        }
    }

  private:
    std::unique_ptr<pqxx::connection> m_conn;
    std::unique_ptr<pqxx::errorhandler> m_handler;
};

bool is_connection_loss(const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now.
    return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

// PostgresStore::Connection is defined in postgres_connection.hpp (the *_mapping.cpp file uses it too).

std::string PostgresStore::scrub(const std::string& text, const std::string& url) {
    std::string out = text;
    for (const auto& secret : secrets_of(url))
        for (auto p = out.find(secret); p != std::string::npos; p = out.find(secret, p + 3))
            out.replace(p, secret.size(), "***");
    return out;
}

std::string PostgresStore::scrub(const std::string& text) const { return scrub(text, m_url); }

// Runs `body`, turning a libpqxx failure into a StoreError that says what was being done and where,
// without the password. The transaction `body` opened rolls back as its guard unwinds. After a lost
// connection the store refuses further work rather than reconnecting behind the caller's back.
template <class F>
auto PostgresStore::guarded(const char* what, F&& body) -> decltype(body()) {
    if (!m_conn || !m_conn->db || !m_conn->db->is_open())
        throw StoreError(std::string(what) + " on " + describe() +
                         " is impossible: the connection was lost earlier in this run; the next run resumes "
                         "from the last committed page");
    const auto lost = [&](const std::string& message) {
        try {
            m_conn->db->disconnect();
        } catch (...) {
        }
        return StoreError("lost the connection to " + describe() + " while " + what + ": " + scrub(message) +
                          "; the last committed page is kept and the next run resumes from it");
    };
    try {
        return body();
    } catch (const Error&) {
        throw;
    } catch (const pqxx::broken_connection& e) {
        throw lost(e.what());
    } catch (const pqxx::in_doubt_error& e) {
        throw lost(e.what());
    } catch (const pqxx::sql_error& e) {
        if (is_connection_loss(e)) throw lost(e.what());
        std::string message = scrub(e.what());
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw StoreError(std::string(what) + " on " + describe() + " failed: " + message + " (SQLSTATE " +
                         e.sqlstate() + ")");
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        if (!m_conn->db->is_open()) throw lost(e.what());
        throw StoreError(std::string(what) + " on " + describe() + " failed: " + scrub(e.what()));
    }
}

PostgresStore::PostgresStore(std::string url, std::string schema)
    : m_url(std::move(url)), m_schema(std::move(schema)) {
    if (m_schema.empty()) throw ConfigError("database.schema: must not be empty for PostgreSQL");
    m_description = describe_url(m_url, m_schema);
    m_conn = connect("connecting");
    // Opening writes nothing (the schema is created by migrate()): a command that stops on a configuration
    // error after reading the store leaves a new database untouched.
    try {
        pqxx::nontransaction tx(*m_conn->db);
        tx.exec("SET search_path TO " + quoted(m_schema));
    } catch (const pqxx::failure& e) {
        throw StoreError("selecting schema " + m_schema + " on " + describe() + " failed: " + scrub(e.what()));
    }
}

void PostgresStore::create_schema_if_missing() {
    try {
        pqxx::nontransaction tx(*m_conn->db);
        // Checking first lets a role without CREATE on the database use a schema prepared for it.
        const auto exists = tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", m_schema);
        if (exists.empty()) tx.exec("CREATE SCHEMA IF NOT EXISTS " + quoted(m_schema));
    } catch (const pqxx::sql_error& e) {
        if (is_connection_loss(e)) throw;
        throw StoreError("preparing schema " + m_schema + " on " + describe() + " failed: " + scrub(e.what()) +
                         " (SQLSTATE " + e.sqlstate() + ")");
    }
}

PostgresStore::~PostgresStore() = default;

std::unique_ptr<PostgresStore::Connection> PostgresStore::connect(const std::string& what) const {
    auto conn = std::make_unique<Connection>();
    try {
        conn->db = std::make_unique<pqxx::connection>(m_url);
        conn->notices = std::make_unique<LogErrorHandler>(*conn->db, m_url);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        // A silent reconnect would drop search_path, TimeZone and the temporary tables; see the header.
        conn->db->inhibit_reactivation(true);
#pragma GCC diagnostic pop
        pqxx::nontransaction tx(*conn->db);
        tx.exec("SET client_min_messages TO warning; SET TimeZone TO 'UTC'");
    } catch (const pqxx::failure& e) {
        std::string message = scrub(e.what());
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        throw StoreError(what + " to " + describe() + " failed: " + message);
    }
    return conn;
}

std::string PostgresStore::describe() const { return m_description; }

std::int64_t PostgresStore::lock_key(const std::string& scope_key) const {
    return hash_key("jira2sql run lock\n" + m_schema + "\n" + scope_key);
}

void PostgresStore::trace(std::FILE* out) { m_conn->db->trace(out); }

std::vector<std::string> PostgresStore::migrate() {
    return guarded("migrating", [&] {
        create_schema_if_missing();
        const auto available = migrations_for_dialect("postgres");
        const std::int64_t key = hash_key("jira2sql migrate\n" + m_schema);
        std::vector<std::string> applied_names;
        // One migration per transaction, planned under a transaction-level advisory lock, so two
        // processes migrating at once apply each migration exactly once.
        for (;;) {
            pqxx::work tx(*m_conn->db);
            tx.exec_params("SELECT pg_advisory_xact_lock($1)", key);
            tx.exec(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                "checksum text NOT NULL, applied_at timestamptz NOT NULL)");
            std::vector<AppliedMigration> applied;
            for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version"))
                applied.push_back({row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>()});
            const auto pending = plan_migrations(applied, available);
            if (pending.empty()) {
                tx.commit();
                break;
            }
            const Migration& m = pending.front();
            try {
                tx.exec(m.sql);
            } catch (const pqxx::sql_error& e) {
                if (is_connection_loss(e)) throw;
                throw StoreError("migration " + m.file_name + " failed on " + describe() + ": " + scrub(e.what()));
            }
            tx.exec_params(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, now())",
                m.version, m.name, m.checksum);
            tx.commit();
            spdlog::debug("applied migration {} to {}", m.file_name, describe());
            applied_names.push_back(m.file_name);
        }
        return applied_names;
    });
}

// The change itself is in postgres_store_mapping.cpp (apply_mapped_columns).
std::vector<MappingChange> PostgresStore::sync_mapped_columns(const std::vector<ColumnDef>& columns) {
    m_page_tables_ready = false;  // they copy the issues table's shape
    auto changes = guarded("updating the mapped columns", [&] { return apply_mapped_columns(columns); });
    m_mapped_columns.clear();
    for (const auto& c : columns) m_mapped_columns.push_back(c.name);
    return changes;
}

std::unique_ptr<RunLock> PostgresStore::acquire_lock(const std::string& scope_key) {
    const std::int64_t key = lock_key(scope_key);
    return guarded("taking the run lock", [&]() -> std::unique_ptr<RunLock> {
        auto conn = connect("taking the run lock: connecting");
        std::string me = "jira2sql pid " + std::to_string(::getpid()) + " on " + host_name();
        me = me.substr(0, 63);  // application_name holds at most 63 bytes
        bool got = false;
        {
            pqxx::nontransaction tx(*conn->db);
            tx.exec("SET application_name TO " + tx.quote(me));
            got = tx.exec_params1("SELECT pg_try_advisory_lock($1)", key)[0].as<bool>();
        }
        if (got) return std::make_unique<PostgresRunLock>(std::move(conn->db), std::move(conn->notices));

        // Who holds it: the application_name says which jira2sql process (other roles' names are hidden
        // from non-superusers, so the server pid, client address and connection time are added).
        const auto u = static_cast<std::uint64_t>(key);
        pqxx::nontransaction tx(*conn->db);
        const auto holder = tx.exec_params(
            "SELECT a.application_name, l.pid, host(a.client_addr), " + utc_text("a.backend_start") +
                " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.classid::bigint = $1 AND l.objid::bigint = $2",
            static_cast<std::int64_t>(u >> 32), static_cast<std::int64_t>(u & 0xffffffffu));
        std::string who = "holder unknown";
        if (!holder.empty()) {
            const auto& r = holder[0];
            who.clear();
            if (!r[0].is_null() && !r[0].as<std::string>().empty()) who = r[0].as<std::string>() + ", ";
            who += "server pid " + r[1].as<std::string>();
            who += r[2].is_null() ? std::string(", local socket") : ", client " + r[2].as<std::string>();
            if (!r[3].is_null()) who += ", connected since " + r[3].as<std::string>();
        }
        throw LockedError("another jira2sql run holds the lock on " + describe() + " (" + who + ", scope " +
                          scope_key + "); nothing was done");
    });
}

ScopeState PostgresStore::load_scope_state(const std::string& scope_key) {
    return guarded("reading the sync state", [&] {
        ScopeState state;
        pqxx::nontransaction tx(*m_conn->db);
        const auto r = tx.exec_params(
            "SELECT " + utc_text("watermark") + ", checkpoint FROM sync_state WHERE scope_key = $1", scope_key);
        if (!r.empty()) {
            if (!r[0][0].is_null())
                state.watermark = parse_stored_timestamp(r[0][0].as<std::string>(), "watermark");
            state.checkpoint_json = optional_field(r[0][1]);
        }
        return state;
    });
}

std::int64_t PostgresStore::start_run(const std::string& scope_key, const std::string& mode,
                                      Timestamp started_at) {
    return guarded("starting a run", [&] {
        pqxx::work tx(*m_conn->db);
        const auto stale = tx.exec_params(
            "UPDATE sync_runs SET status = 'failed', error = $1 WHERE scope_key = $2 AND status = 'running'",
            kInterrupted, scope_key);
        if (const auto n = stale.affected_rows(); n > 0)
            spdlog::warn("{} earlier run(s) of this scope stopped without finishing; marked failed", n);
        const auto id = tx.exec_params1(
                              "INSERT INTO sync_runs (scope_key, mode, started_at, status) "
                              "VALUES ($1, $2, $3::timestamptz, 'running') RETURNING id",
                              scope_key, mode, format_utc(started_at))[0]
                            .as<std::int64_t>();
        tx.commit();
        return id;
    });
}

void PostgresStore::ensure_page_tables() {
    if (m_page_tables_ready) return;
    std::string select = "id, key, project_key, created, updated";
    for (const auto& m : m_mapped_columns) select += ", " + quoted(m);
    select += ", raw";
    // Session-lifetime temporary tables with the exact column types of their targets, so COPY converts
    // values once and the INSERT ... SELECT needs no casts. ON COMMIT DELETE ROWS empties them per page.
    pqxx::nontransaction tx(*m_conn->db);
    tx.exec(std::string("DROP TABLE IF EXISTS pg_temp.") + kPageIssues + ", pg_temp." + kPageChangelog);
    tx.exec(std::string("CREATE TEMPORARY TABLE ") + kPageIssues + " ON COMMIT DELETE ROWS AS SELECT " + select +
            " FROM issues WITH NO DATA");
    tx.exec(std::string("CREATE TEMPORARY TABLE ") + kPageChangelog +
            " ON COMMIT DELETE ROWS AS SELECT * FROM issue_changelog WITH NO DATA");
    m_page_tables_ready = true;
}

PageResult PostgresStore::commit_page(const PageCommit& page) {
    for (const auto& issue : page.issues)
        if (issue.mapped.size() != m_mapped_columns.size())
            throw StoreError("issue " + issue.key + " has " + std::to_string(issue.mapped.size()) +
                             " mapped values but " + std::to_string(m_mapped_columns.size()) +
                             " mapped columns are set up (sync_mapped_columns must run first)");

    return guarded("committing a page", [&] {
        ensure_page_tables();
        const std::string now = format_utc(now_utc());
        PageResult result;
        pqxx::work tx(*m_conn->db);

        if (!page.issues.empty()) {
            std::vector<std::string> columns{"id", "key", "project_key", "created", "updated"};
            for (const auto& m : m_mapped_columns) columns.push_back(quoted(m));
            columns.push_back("raw");
            CopyWriter copy(tx, kPageIssues, columns);
            std::deque<std::string> text;  // keeps converted values alive while a row is written
            std::vector<Field> row;
            for (const auto& issue : page.issues) {
                text.clear();
                row.clear();
                row.emplace_back(text.emplace_back(std::to_string(issue.id)));
                row.emplace_back(issue.key);
                row.emplace_back(issue.project_key);
                row.emplace_back(text.emplace_back(format_utc(issue.created)));
                row.emplace_back(text.emplace_back(format_utc(issue.updated)));
                for (const auto& value : issue.mapped) {
                    std::visit(
                        [&](const auto& v) {
                            using T = std::decay_t<decltype(v)>;
                            if constexpr (std::is_same_v<T, std::monostate>)
                                row.emplace_back(std::nullopt);
                            else if constexpr (std::is_same_v<T, bool>)
                                row.emplace_back(v ? "true" : "false");
                            else if constexpr (std::is_same_v<T, std::int64_t>)
                                row.emplace_back(text.emplace_back(std::to_string(v)));
                            else if constexpr (std::is_same_v<T, double>)
                                row.emplace_back(text.emplace_back(format_double(v)));
                            else
                                row.emplace_back(v);
                        },
                        value);
                }
                row.emplace_back(issue.raw_json);
                copy.write(row);
            }
            copy.complete();
        }

        if (!page.changelog.empty()) {
            CopyWriter copy(tx, kPageChangelog,
                            std::vector<std::string>(std::begin(kChangelogColumns), std::end(kChangelogColumns)));
            std::vector<Field> row;
            for (const auto& c : page.changelog) {
                const std::string history = std::to_string(c.history_id);
                const std::string index = std::to_string(c.item_index);
                const std::string issue = std::to_string(c.issue_id);
                const std::string created = format_utc(c.created);
                row = {history,
                       index,
                       issue,
                       field_of(c.author_account_id),
                       field_of(c.author_display_name),
                       created,
                       c.field,
                       field_of(c.field_id),
                       field_of(c.field_type),
                       field_of(c.from_value),
                       field_of(c.from_string),
                       field_of(c.to_value),
                       field_of(c.to_string)};
                copy.write(row);
            }
            copy.complete();
        }

        // One statement moves the page: the upsert mirrors the SQLite store's (only a newer copy replaces
        // data; any copy revives a soft-deleted row), changelog items are inserted once, and clean issues'
        // dead letters resolve. The tables are distinct, so the parts cannot see each other's writes.
        // DISTINCT ON keeps the newest copy if a page lists an issue twice, which ON CONFLICT DO UPDATE
        // would otherwise refuse.
        {
            std::vector<std::string> data_columns{"key", "project_key", "created", "updated"};
            for (const auto& m : m_mapped_columns) data_columns.push_back(quoted(m));
            data_columns.push_back("raw");
            std::string list;
            std::string sets;
            for (const auto& c : data_columns) {
                list += ", " + c;
                sets += c + " = CASE WHEN excluded.updated >= issues.updated THEN excluded." + c + " ELSE issues." +
                        c + " END, ";
            }
            sets += "deleted_at = NULL, deleted_reason = NULL, synced_at = excluded.synced_at";
            std::string cl;
            for (const char* c : kChangelogColumns) cl += std::string(cl.empty() ? "" : ", ") + c;

            const std::string sql =
                "WITH up AS (INSERT INTO issues (id" + list + ", deleted_at, deleted_reason, synced_at) "
                "SELECT id" + list + ", NULL, NULL, $1::timestamptz FROM (SELECT DISTINCT ON (id) * FROM " +
                kPageIssues + " ORDER BY id, updated DESC) p "
                "ON CONFLICT (id) DO UPDATE SET " + sets +
                " WHERE excluded.updated > issues.updated OR issues.deleted_at IS NOT NULL RETURNING 1), "
                "ch AS (INSERT INTO issue_changelog (" + cl + ") SELECT " + cl + " FROM " + kPageChangelog +
                " ON CONFLICT (history_id, item_index) DO NOTHING RETURNING 1), "
                "res AS (UPDATE dead_letters SET resolved_at = $1::timestamptz "
                "WHERE resolved_at IS NULL AND issue_id = ANY($2::bigint[]) RETURNING 1) "
                "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM ch), (SELECT count(*) FROM res)";
            const auto r = tx.exec_params1(sql, now, pg::int_array(page.clean_issue_ids));
            result.issues_written = r[0].as<std::int64_t>();
            result.changelog_written = r[1].as<std::int64_t>();
        }

        // Sends nothing for a page without entities, so the issue path pays no extra round trip.
        result.entities = pg::write_entity_rows(tx, page.entities, now);
        if (page.entity_state) pg::save_entity_state(tx, page.scope_key, *page.entity_state, now);

        // Failures come after the resolution above, so an issue reported both ways stays open. A page
        // rarely has more than a few, so one statement each keeps the order of repeated failures simple.
        for (const auto& d : page.dead_letters) {
            const std::optional<std::string> id =
                d.issue_id ? std::optional<std::string>(std::to_string(*d.issue_id)) : std::nullopt;
            tx.exec_params(
                "WITH bumped AS (UPDATE dead_letters SET attempts = attempts + 1, issue_key = $2, stage = $3, "
                "error = $4, payload = $5, last_failed_at = $6::timestamptz "
                "WHERE resolved_at IS NULL AND CASE WHEN $1::bigint IS NULL "
                "THEN issue_key = $2 AND issue_id IS NULL ELSE issue_id = $1::bigint END RETURNING 1) "
                "INSERT INTO dead_letters (issue_id, issue_key, stage, error, payload, attempts, first_failed_at, "
                "last_failed_at) SELECT $1::bigint, $2, $3, $4, $5, 1, $6::timestamptz, $6::timestamptz "
                "WHERE NOT EXISTS (SELECT 1 FROM bumped)",
                pg::nullable(id), d.issue_key, d.stage, d.error, d.payload, now);
            ++result.dead_lettered;
        }

        RunCounters totals = page.run_totals;
        totals.issues_upserted += result.issues_written;
        totals.changelog_items_written += result.changelog_written;
        totals.dead_lettered += result.dead_lettered;
        const auto updated = tx.exec_params(
            "WITH cp AS (INSERT INTO sync_state (scope_key, scope, checkpoint, updated_at) "
            "VALUES ($1, $1, $2, $3::timestamptz) ON CONFLICT (scope_key) DO UPDATE SET "
            "checkpoint = excluded.checkpoint, updated_at = excluded.updated_at RETURNING 1) "
            "UPDATE sync_runs SET issues_upserted = $4, changelog_items_written = $5, dead_lettered = $6, "
            "soft_deleted = $7, requests = $8, retries = $9 WHERE id = $10 RETURNING id",
            page.scope_key, nullable_text(page.checkpoint_json), now, totals.issues_upserted,
            totals.changelog_items_written, totals.dead_lettered, totals.soft_deleted, totals.requests,
            totals.retries, page.run_id);
        if (updated.size() != 1)
            throw StoreError("run " + std::to_string(page.run_id) + " does not exist in " + describe());
        tx.commit();
        return result;
    });
}

void PostgresStore::finish_run(std::int64_t run_id, const std::string& scope_key, RunStatus status,
                               Timestamp finished_at, const RunCounters& counters, const std::string& error,
                               std::optional<Timestamp> new_watermark, bool clear_checkpoint) {
    guarded("finishing the run", [&] {
        pqxx::work tx(*m_conn->db);
        const auto run = tx.exec_params(
            "UPDATE sync_runs SET status = $1, finished_at = $2::timestamptz, error = $3, issues_upserted = $4, "
            "changelog_items_written = $5, dead_lettered = $6, soft_deleted = $7, requests = $8, retries = $9 "
            "WHERE id = $10",
            run_status_name(status), format_utc(finished_at), nullable_text(error), counters.issues_upserted,
            counters.changelog_items_written, counters.dead_lettered, counters.soft_deleted, counters.requests,
            counters.retries, run_id);
        if (run.affected_rows() != 1)
            throw StoreError("run " + std::to_string(run_id) + " does not exist in " + describe());
        if (new_watermark || clear_checkpoint) {
            const std::optional<std::string> watermark =
                new_watermark ? std::optional<std::string>(format_utc(*new_watermark)) : std::nullopt;
            tx.exec_params(
                "INSERT INTO sync_state (scope_key, scope, watermark, updated_at) "
                "VALUES ($1, $1, $2::timestamptz, now()) ON CONFLICT (scope_key) DO UPDATE SET "
                "updated_at = excluded.updated_at, "
                "watermark = COALESCE(excluded.watermark, sync_state.watermark), "
                "checkpoint = CASE WHEN $3 THEN NULL ELSE sync_state.checkpoint END",
                scope_key, pg::nullable(watermark), clear_checkpoint);
        }
        tx.commit();
    });
}

std::unordered_map<std::int64_t, Timestamp> PostgresStore::stored_updated(const std::vector<std::int64_t>& ids) {
    return guarded("reading stored issues", [&] {
        std::unordered_map<std::int64_t, Timestamp> out;
        if (ids.empty()) return out;
        pqxx::nontransaction tx(*m_conn->db);
        // One array parameter: no bound-parameter limit, one round trip for any number of ids.
        for (const auto& row : tx.exec_params(
                 "SELECT id, floor(extract(epoch FROM updated) * 1000)::bigint FROM issues "
                 "WHERE id = ANY($1::bigint[])",
                 pg::int_array(ids)))
            out[row[0].as<std::int64_t>()] = Timestamp{std::chrono::milliseconds{row[1].as<std::int64_t>()}};
        return out;
    });
}

void PostgresStore::replace_jira_fields(const std::vector<JiraField>& fields) {
    guarded("saving the field list", [&] {
        pqxx::work tx(*m_conn->db);
        tx.exec("DELETE FROM jira_fields");
        // A site listing one id twice should not fail a sync; the last entry wins, as in SQLite.
        for (const auto& f : fields)
            tx.exec_params(
                "INSERT INTO jira_fields (id, key, name, custom, schema_type, items_type, custom_type) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET key = excluded.key, "
                "name = excluded.name, custom = excluded.custom, schema_type = excluded.schema_type, "
                "items_type = excluded.items_type, custom_type = excluded.custom_type",
                f.id, f.key, f.name, f.custom, pg::nullable(f.schema_type), pg::nullable(f.items_type),
                pg::nullable(f.custom_type));
        tx.commit();
    });
}

std::vector<JiraField> PostgresStore::jira_fields() {
    return guarded("reading the field list", [&] {
        std::vector<JiraField> out;
        pqxx::nontransaction tx(*m_conn->db);
        // COLLATE "C" orders like SQLite's byte order, whatever the database's collation.
        for (const auto& r : tx.exec("SELECT id, key, name, custom, schema_type, items_type, custom_type FROM "
                                     "jira_fields ORDER BY id COLLATE \"C\"")) {
            JiraField f;
            f.id = r[0].as<std::string>();
            f.key = r[1].is_null() ? std::string() : r[1].as<std::string>();
            f.name = r[2].as<std::string>();
            f.custom = r[3].as<bool>();
            f.schema_type = optional_field(r[4]);
            f.items_type = optional_field(r[5]);
            f.custom_type = optional_field(r[6]);
            out.push_back(std::move(f));
        }
        return out;
    });
}

std::vector<DeadLetterRow> PostgresStore::dead_letters(bool include_resolved) {
    return guarded("reading dead letters", [&] {
        std::vector<DeadLetterRow> out;
        pqxx::nontransaction tx(*m_conn->db);
        for (const auto& q : tx.exec_params(
                 "SELECT id, issue_id, issue_key, stage, error, payload, attempts, " + utc_text("first_failed_at") +
                     ", " + utc_text("last_failed_at") + ", " + utc_text("resolved_at") +
                     " FROM dead_letters WHERE $1 OR resolved_at IS NULL ORDER BY id",
                 include_resolved)) {
            DeadLetterRow r;
            r.id = q[0].as<std::int64_t>();
            if (!q[1].is_null()) r.issue_id = q[1].as<std::int64_t>();
            r.issue_key = q[2].as<std::string>();
            r.stage = q[3].as<std::string>();
            r.error = q[4].as<std::string>();
            r.payload = q[5].as<std::string>();
            r.attempts = q[6].as<std::int64_t>();
            r.first_failed_at = q[7].as<std::string>();
            r.last_failed_at = q[8].as<std::string>();
            r.resolved_at = optional_field(q[9]);
            out.push_back(std::move(r));
        }
        return out;
    });
}

std::vector<RunRow> PostgresStore::recent_runs(int limit) {
    return guarded("reading runs", [&] {
        std::vector<RunRow> out;
        pqxx::nontransaction tx(*m_conn->db);
        for (const auto& q : tx.exec_params(
                 "SELECT id, mode, " + utc_text("started_at") + ", " + utc_text("finished_at") +
                     ", status, issues_upserted, changelog_items_written, dead_lettered, soft_deleted, requests, "
                     "retries, error FROM sync_runs ORDER BY id DESC LIMIT $1",
                 std::max(limit, 0))) {
            RunRow r;
            r.id = q[0].as<std::int64_t>();
            r.mode = q[1].as<std::string>();
            r.started_at = q[2].as<std::string>();
            r.finished_at = optional_field(q[3]);
            r.status = q[4].as<std::string>();
            r.counters.issues_upserted = q[5].as<std::int64_t>();
            r.counters.changelog_items_written = q[6].as<std::int64_t>();
            r.counters.dead_lettered = q[7].as<std::int64_t>();
            r.counters.soft_deleted = q[8].as<std::int64_t>();
            r.counters.requests = q[9].as<std::int64_t>();
            r.counters.retries = q[10].as<std::int64_t>();
            r.error = optional_field(q[11]);
            out.push_back(std::move(r));
        }
        return out;
    });
}

TableCounts PostgresStore::counts() {
    return guarded("counting rows", [&] {
        pqxx::nontransaction tx(*m_conn->db);
        const auto q = tx.exec1(
            "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM issues WHERE deleted_at IS NULL), "
            "(SELECT count(*) FROM issue_changelog), "
            "(SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL)");
        TableCounts c;
        c.issues = q[0].as<std::int64_t>();
        c.issues_live = q[1].as<std::int64_t>();
        c.changelog_items = q[2].as<std::int64_t>();
        c.dead_letters_open = q[3].as<std::int64_t>();
        return c;
    });
}

}  // namespace j2s
