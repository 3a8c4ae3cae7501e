// The sync service's Prometheus metrics, read from the runner's totals at
// each scrape: runs, changes seen and applied, documents updated, provider
// calls and account failures since the process started.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "sync/sync_runner.h"

namespace lc::sync {

class SyncMetrics : public prometheus::Collectable {
 public:
  explicit SyncMetrics(const SyncRunner& runner) : runner_(runner) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const SyncRunner& runner_;
};

}  // namespace lc::sync
