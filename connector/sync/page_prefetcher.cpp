#include "sync/page_prefetcher.hpp"

namespace j2s {

PagePrefetcher::PagePrefetcher(SearchCursor& cursor, std::size_t depth)
    : m_cursor(cursor), m_depth(std::max<std::size_t>(1, depth)), m_thread([this] { run(); }) {}

PagePrefetcher::~PagePrefetcher() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void PagePrefetcher::run() {
    try {
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [&] { return m_stopping || m_ready.size() < m_depth; });
                if (m_stopping) return;
            }
            auto issues = m_cursor.next_page();
            std::lock_guard lock(m_mutex);
            if (!issues) {
                m_finished = true;
                m_changed.notify_all();
                return;
            }
            m_ready.push_back({std::move(*issues), m_cursor.state()});
            m_changed.notify_all();
        }
    } catch (...) {
        std::lock_guard lock(m_mutex);
        m_error = std::current_exception();
        m_changed.notify_all();
    }
}

std::optional<PagePrefetcher::Page> PagePrefetcher::next() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return !m_ready.empty() || m_finished || m_error; });
    if (!m_ready.empty()) {
        Page page = std::move(m_ready.front());
        m_ready.pop_front();
        m_changed.notify_all();
        return page;
    }
    if (m_error) std::rethrow_exception(m_error);
    return std::nullopt;
}

}  // namespace j2s
