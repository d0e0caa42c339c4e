// MetricsRegistry: families, their labelled children, and render().
#include <algorithm>
#include <cmath>
#include <set>

#include "common/error.h"
#include "metrics/metrics.h"

namespace eventhost {

enum class MetricsRegistry::Type { kCounter, kGauge, kHistogram };

namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw Error(ErrorKind::kInvalidInput, message);
}

void check_labels(const std::string& metric, const Labels& labels,
                  bool histogram) {
  std::set<std::string_view> seen;
  for (const auto& [name, value] : labels) {
    if (!is_valid_label_name(name)) {
      refuse("metric " + metric + ": bad label name '" + name +
             "' (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
    }
    if (histogram && name == "le") {
      refuse("metric " + metric + ": 'le' is the histogram's own label");
    }
    if (!seen.insert(name).second) {
      refuse("metric " + metric + ": label '" + name + "' given twice");
    }
  }
}

void check_bounds(const std::string& metric, const std::vector<double>& b) {
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i]) || (i > 0 && !(b[i - 1] < b[i]))) {
      refuse("histogram " + metric +
             ": bucket bounds must be finite and strictly increasing");
    }
  }
}

// The identity of a child: its labels in name order, so that the order
// they were given in does not make a second series.
std::string label_key(Labels labels) {
  std::sort(labels.begin(), labels.end());
  std::string key;
  for (const auto& [name, value] : labels) {
    key.append(name).push_back('\0');
    key.append(value).push_back('\0');
  }
  return key;
}

}  // namespace

struct MetricsRegistry::Family {
  struct Child {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
  };

  std::string_view type_name() const {
    switch (type) {
      case Type::kCounter:
        return "counter";
      case Type::kGauge:
        return "gauge";
      case Type::kHistogram:
        return "histogram";
    }
    return "untyped";
  }

  // The child with these labels, made on first use.
  Child& child(Labels labels) {
    std::string key = label_key(labels);
    if (auto it = index.find(key); it != index.end()) {
      return children[it->second];
    }
    Child& made = children.emplace_back(Child{std::move(labels), {}, {}});
    if (type == Type::kCounter) made.counter = std::make_unique<Counter>();
    if (type == Type::kHistogram) {
      made.histogram = std::make_unique<Histogram>(bounds);
    }
    index.emplace(std::move(key), children.size() - 1);
    return made;
  }

  void render_histogram(std::string& out, const Child& c) const {
    const auto snap = c.histogram->snapshot();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      append_sample(out, name, "_bucket", c.labels,
                    format_metric_value(bounds[i]),
                    std::to_string(snap.cumulative[i]));
    }
    append_sample(out, name, "_bucket", c.labels, "+Inf",
                  std::to_string(snap.count));
    append_sample(out, name, "_sum", c.labels, "",
                  format_metric_value(snap.sum));
    append_sample(out, name, "_count", c.labels, "",
                  std::to_string(snap.count));
  }

  void render_children(std::string& out) const {
    for (const auto& c : children) {
      if (c.counter)
        append_sample(out, name, "", c.labels, "", c.counter->text());
      if (c.histogram) render_histogram(out, c);
    }
  }

  // Outside the registry's lock: `read` may take a while or use the registry.
  void render_gauge(std::string& out) const {
    for (const auto& sample : read()) {
      check_labels(name, sample.labels, false);
      append_sample(out, name, "", sample.labels, "",
                    format_metric_value(sample.value));
    }
  }

  const std::string name;
  const std::string help;
  const Type type;
  const std::vector<double> bounds;                    // histograms only
  std::function<std::vector<Sample>()> read;           // gauges; set once
  std::vector<Child> children;                         // GUARDED_BY(mutex_)
  std::unordered_map<std::string, std::size_t> index;  // GUARDED_BY(mutex_)
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::declare(std::string name,
                                                  std::string help, Type type,
                                                  std::vector<double> bounds) {
  if (!is_valid_metric_name(name)) {
    refuse("bad metric name '" + name + "' (want [a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    Family& family = *it->second;
    if (family.type != type) {
      refuse("metric " + name + " is already declared as a " +
             std::string(family.type_name()));
    }
    if (family.bounds != bounds) {
      refuse("histogram " + name + " is already declared with other buckets");
    }
    return family;
  }
  families_.push_back(std::unique_ptr<Family>(
      new Family{name, std::move(help), type, std::move(bounds), {}, {}, {}}));
  by_name_.emplace(std::move(name), families_.back().get());
  return *families_.back();
}

Counter& MetricsRegistry::counter(std::string name, std::string help,
                                  Labels labels) {
  check_labels(name, labels, false);
  std::lock_guard lock(mutex_);
  Family& family =
      declare(std::move(name), std::move(help), Type::kCounter, {});
  return *family.child(std::move(labels)).counter;
}

Histogram& MetricsRegistry::histogram(std::string name, std::string help,
                                      Labels labels,
                                      std::vector<double> bounds) {
  check_labels(name, labels, true);
  check_bounds(name, bounds);
  std::lock_guard lock(mutex_);
  Family& family = declare(std::move(name), std::move(help), Type::kHistogram,
                           std::move(bounds));
  return *family.child(std::move(labels)).histogram;
}

void MetricsRegistry::gauge_callback(
    std::string name, std::string help,
    std::function<std::vector<Sample>()> read) {
  std::lock_guard lock(mutex_);
  Family& family = declare(name, std::move(help), Type::kGauge, {});
  if (family.read) refuse("gauge " + name + " already has a callback");
  family.read = std::move(read);
}

std::string MetricsRegistry::render() const {
  // Text for the atomics is made under the lock (children may be added
  // meanwhile); gauge callbacks are called after it is released.
  struct Piece {
    std::string text;
    const Family* gauge = nullptr;
  };
  std::vector<Piece> pieces;
  {
    std::lock_guard lock(mutex_);
    for (const auto& family : families_) {
      Piece& piece = pieces.emplace_back();
      append_family_header(piece.text, family->name, family->help,
                           family->type_name());
      if (family->type == Type::kGauge) {
        piece.gauge = family.get();
      } else {
        family->render_children(piece.text);
      }
    }
  }
  std::string out;
  for (const auto& piece : pieces) {
    out += piece.text;
    if (piece.gauge) piece.gauge->render_gauge(out);
  }
  return out;
}

}  // namespace eventhost
