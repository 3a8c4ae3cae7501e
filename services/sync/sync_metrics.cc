#include "sync/sync_metrics.h"

#include <string>

namespace lc::sync {
namespace {

prometheus::MetricFamily Counter(const std::string& name, const std::string& help, int64_t value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Counter;
  prometheus::ClientMetric metric;
  metric.counter.value = static_cast<double>(value);
  family.metric.push_back(metric);
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> SyncMetrics::Collect() const {
  SyncTotals t = runner_.totals();
  return {
      Counter("lc_sync_runs_total", "Sync runs started.", t.runs),
      Counter("lc_sync_changes_seen_total", "Changes read from provider change feeds.",
              t.changes_seen),
      Counter("lc_sync_changes_applied_total",
              "Changes to referenced files sent to the repository.", t.changes_applied),
      Counter("lc_sync_documents_updated_total", "Documents the repository changed.",
              t.documents_updated),
      Counter("lc_sync_provider_calls_total", "Calls to the providers service.", t.provider_calls),
      Counter("lc_sync_account_failures_total", "Account syncs that ended in an error.",
              t.account_failures),
      Counter("lc_sync_versions_expired_total",
              "Versions found REVISION_EXPIRED (the provider dropped their pinned revision).",
              t.versions_expired),
  };
}

}  // namespace lc::sync
