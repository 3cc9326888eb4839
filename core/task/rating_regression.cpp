// Rating prediction (regression): (user, item) pairs, squared error, RMSE; the routing analysis
// counts genres, and a user's recommendations can be asked for.

#include "core/model/rating_model.h"
#include "core/routing/routing_stats.h"
#include "core/task/classification.h"
#include "core/task/rating_recommend.h"
#include "core/task/registry.h"
#include "core/task/regression.h"

namespace moe::core {

namespace {

constexpr int kEvalRatings = 4096;  // ratings per evaluation batch

// The genre bits of the item of row `row` of d (0 when unknown).
std::uint32_t genresOf(const Dataset& d, int row) {
  const int item = d.items[std::size_t(row)];
  return item >= 0 && std::size_t(item) < d.itemGenres.size() ? d.itemGenres[std::size_t(item)]
                                                              : 0u;
}

// Counts, for each row and each genre of its item, every expert that processed the row.
void addGenreExpert(const DispatchPlan& plan, const Dataset& d, const std::int32_t* rows,
                    int genres, std::vector<std::int64_t>& table) {
  const int E = plan.experts;
  for (int r = 0; r < plan.rows; ++r) {
    const std::uint32_t g = genresOf(d, rows[r]);
    if (g == 0) continue;
    for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j)
      for (int k = 0; k < genres; ++k)
        if (g & (1u << k))
          ++table[std::size_t(k) * E + std::size_t(plan.rowExperts[std::size_t(j)])];
  }
}

class RatingEval final : public RegressionEval {
 public:
  RatingEval(compute::Backend& backend, const Dataset& d, EvalReport& report)
      : RegressionEval(backend, d, report, int(d.genreNames.size())) {}

  void add(const Batch& batch, int start, const compute::Tensor& out, MoeLayer* moe) override {
    const int n = batch.rows, E = mReport.experts, G = mReport.classes;
    auto host = compute::toHost(mBackend, out);
    // The loss and RMSE are of the clipped predictions, as users see them.
    for (float& p : host) p = RatingMoeRegressor::clipRating(p);
    addPredictions(start, host.data(), n);
    if (!moe) return;
    addGenreExpert(addRouting(*moe, start, n), mData, batch.indices.data(), G,
                   mReport.classExpert);
    for (int i = 0; i < n; ++i) {
      const std::int32_t first = mFirst[std::size_t(start + i)];
      const std::uint32_t g = genresOf(mData, start + i);
      if (first >= 0)
        for (int k = 0; k < G; ++k)
          if (g & (1u << k)) ++mJoint[std::size_t(k) * E + std::size_t(first)];
    }
  }
};

class RatingRegression final : public Task {
 public:
  RatingRegression(const TrainConfig& config, const DataSplits& data, compute::Backend& backend)
      : Task(ratingRegressionTask(), config, data, backend) {}

  int analysisRows() const override { return int(mData.train.genreNames.size()); }

  Batch batch(Split s, std::span<const std::int32_t> rows) override {
    const Dataset& d = split(s);
    Batch b;
    b.rows = int(rows.size());
    b.source = &d;
    b.indices.assign(rows.begin(), rows.end());
    b.targets.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) b.targets[i] = d.targets[std::size_t(rows[i])];
    return b;
  }

  TaskLoss loss(const Batch& batch, const compute::Tensor& out) override {
    return squaredErrorLoss(mBackend, batch, out, mGrad);
  }

  RoutingStats trainRouting(const Batch& batch, MoeLayer& moe,
                            std::vector<std::int64_t>& table) override {
    const DispatchPlan& plan = moe.plan();
    const int G = analysisRows(), E = plan.experts;
    if (table.size() != std::size_t(G) * E) table.assign(std::size_t(G) * E, 0);
    RoutingAccumulator acc(plan.experts);
    acc.add(plan, moe.probs());
    addGenreExpert(plan, mData.train, batch.indices.data(), G, table);
    return acc.result();
  }

  int evalBatchRows() const override { return kEvalRatings; }
  std::unique_ptr<EvalPass> beginEval(Split s, EvalReport& report) override {
    return std::make_unique<RatingEval>(mBackend, split(s), report);
  }

  Inspection inspect(int testIndex) override {
    Batch one;
    one.rows = 1;
    one.source = &mData.test;
    one.indices = {testIndex};
    return inspectRow(one, testIndex);
  }

  UserRecommendations recommend(int user, int n) override {
    return recommendItems(*mRating, mBackend, mData.train, mConfig, user, n);
  }

 protected:
  std::unique_ptr<Model> makeModel() override {
    auto model = createRatingModel(mConfig, mData.train, mBackend);
    mRating = model.get();
    return model;
  }

 private:
  RatingMoeRegressor* mRating = nullptr;
  Scratch mGrad;
};

bool acceptsRatings(const Dataset& train) { return train.kind == DataKind::Ratings; }

std::unique_ptr<Model> createRatingTaskModel(const TrainConfig& config, const Dataset& train,
                                             compute::Backend& backend) {
  return createRatingModel(config, train, backend);
}

std::unique_ptr<Task> createRatingTask(const TrainConfig& config, const DataSplits& data,
                                       compute::Backend& backend) {
  return std::make_unique<RatingRegression>(config, data, backend);
}

}  // namespace

const TaskInfo& ratingRegressionTask() {
  static const TaskInfo info{"rating-regression",
                             "(user, item) pairs -> rating, with recommendations",
                             QualityMetric::Rmse,
                             true,
                             "squared error",
                             "Genre",
                             "ratings",
                             InspectorView::Recommendations,
                             false,
                             false,
                             acceptsRatings,
                             createRatingTaskModel,
                             createRatingTask};
  return info;
}

}  // namespace moe::core
