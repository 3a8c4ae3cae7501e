// One in-process lock per credential, so that many local callers of one
// expired credential wait here instead of each taking a database connection
// to queue on the row lock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lc::oauth {

class RefreshSingleFlight {
 public:
  class Hold {
   public:
    Hold(RefreshSingleFlight& owner, std::string key);
    ~Hold();
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    RefreshSingleFlight& owner_;
    std::string key_;
    std::mutex* mu_;
  };

  // Blocks until no other caller holds `key`.
  std::unique_ptr<Hold> Acquire(const std::string& key) {
    return std::make_unique<Hold>(*this, key);
  }

 private:
  struct Entry {
    std::mutex mu;
    int users = 0;
  };
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
};

inline RefreshSingleFlight::Hold::Hold(RefreshSingleFlight& owner, std::string key)
    : owner_(owner), key_(std::move(key)) {
  {
    std::lock_guard<std::mutex> lock(owner_.mu_);
    auto& entry = owner_.entries_[key_];
    if (!entry) entry = std::make_unique<Entry>();
    ++entry->users;
    mu_ = &entry->mu;
  }
  mu_->lock();
}

inline RefreshSingleFlight::Hold::~Hold() {
  mu_->unlock();
  std::lock_guard<std::mutex> lock(owner_.mu_);
  auto it = owner_.entries_.find(key_);
  if (--it->second->users == 0) owner_.entries_.erase(it);
}

}  // namespace lc::oauth
