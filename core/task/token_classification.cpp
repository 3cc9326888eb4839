// Text classification with a token-level MoE: texts of hashed n-grams, cross-entropy, accuracy;
// the routing analysis counts tokens, and any typed text can be inspected.
#include <algorithm>

#include "core/data/utf8.h"
#include "core/model/text_model.h"
#include "core/routing/routing_stats.h"
#include "core/task/classification.h"
#include "core/task/owned_routing.h"
#include "core/task/registry.h"

namespace moe::core {

namespace {

constexpr int kEvalTexts = 256;  // texts per evaluation batch (a few hundred tokens each)

// The text with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string cleanUtf8(const std::string& text, bool& replaced) {
  replaced = false;
  if (isValidUtf8(text)) return text;
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t len = 0;
    for (std::size_t n = 1; n <= 4 && pos + n <= text.size(); ++n)
      if (isValidUtf8(std::string_view(text).substr(pos, n))) {
        len = n;
        break;
      }
    if (len == 0) {
      appendUtf8(out, 0xFFFD);
      replaced = true;
      ++pos;
    } else {
      out.append(text, pos, len);
      pos += len;
    }
  }
  return out;
}

class TokenEval final : public EvalPass {
 public:
  TokenEval(compute::Backend& backend, ClassificationScratch& scratch, const Dataset& d,
            const Model& model, EvalReport& report)
      : mBackend(backend),
        mScratch(scratch),
        mData(d),
        mModel(model),
        mReport(report),
        mRouting(d, report) {
    const int rows = d.rows();
    report.classes = d.classes;
    report.predictions.resize(std::size_t(rows));
    report.predictionConfidence.resize(std::size_t(rows));
    report.labels = d.labels;
  }

  void add(const Batch& batch, int start, const compute::Tensor& out, MoeLayer* moe) override {
    mLossSum += evalCrossEntropy(mBackend, batch.labels, out, mScratch);
    const auto host = compute::toHost(mBackend, out);
    mCorrect += recordPredictions(host, mData.classes, start, mData.labels, mReport);
    const auto* owners = mModel.routedRowOwners();
    if (!moe || !owners) return;
    mRouting.add(moe->plan(), moe->probs(), *owners, start, batch.rows);
  }

  void finish() override {
    const int rows = mData.rows();
    mReport.loss = mLossSum / std::max(1, rows);
    mReport.quality = double(mCorrect) / std::max(1, rows);
    mRouting.finish();
  }

 private:
  compute::Backend& mBackend;
  ClassificationScratch& mScratch;
  const Dataset& mData;
  const Model& mModel;
  EvalReport& mReport;
  OwnedRouting mRouting;
  double mLossSum = 0.0;
  int mCorrect = 0;
};

class TokenClassification final : public Task {
 public:
  TokenClassification(const TrainConfig& config, const DataSplits& data, compute::Backend& backend)
      : Task(tokenClassificationTask(), config, data, backend) {}

  Batch batch(Split s, std::span<const std::int32_t> rows) override {
    const Dataset& d = split(s);
    Batch b;
    b.rows = int(rows.size());
    b.source = &d;
    b.indices.assign(rows.begin(), rows.end());
    b.labels.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) b.labels[i] = d.labels[std::size_t(rows[i])];
    return b;
  }

  TaskLoss loss(const Batch& batch, const compute::Tensor& out) override {
    return classificationLoss(mBackend, batch, out, mScratch);
  }

  RoutingStats trainRouting(const Batch& batch, MoeLayer& moe,
                            std::vector<std::int64_t>& table) override {
    // The MoE routes tokens: each token counts for its text's label.
    const DispatchPlan& plan = moe.plan();
    RoutingAccumulator acc(plan.experts);
    const auto* owners = mModel->routedRowOwners();
    std::vector<std::int32_t> rowLabels(static_cast<std::size_t>(plan.rows), -1);
    if (owners && owners->size() == std::size_t(plan.rows))
      for (int r = 0; r < plan.rows; ++r)
        rowLabels[std::size_t(r)] = batch.labels[std::size_t((*owners)[std::size_t(r)])];
    acc.add(plan, moe.probs(), rowLabels.data(), mData.train.classes);
    addCounts(table, acc.classExpert());
    return acc.result();
  }

  int evalBatchRows() const override { return kEvalTexts; }
  std::unique_ptr<EvalPass> beginEval(Split s, EvalReport& report) override {
    return std::make_unique<TokenEval>(mBackend, mScratch, split(s), *mModel, report);
  }

  Inspection inspect(int testIndex) override {
    Batch one;
    one.rows = 1;
    one.source = &mData.test;
    one.indices = {testIndex};
    Inspection out = inspectRow(one, testIndex);
    attachText(out, mData.test.texts[std::size_t(testIndex)]);
    return out;
  }

  Inspection inspectText(const std::string& text) override {
    bool replaced = false;
    const std::string clean = cleanUtf8(text, replaced);
    const auto spans = tokenSpans(clean, tokenizerOptions());
    std::vector<std::int32_t> ids(spans.size());
    for (std::size_t i = 0; i < spans.size(); ++i) ids[i] = spans[i].id;
    Inspection out = mText->inspectTokens(ids);
    attachText(out, clean);
    if (replaced)
      out.note +=
          std::string(out.note.empty() ? "" : "; ") + "invalid UTF-8 bytes were replaced by U+FFFD";
    return out;
  }

  TokenizerOptions tokenizerOptions() const override {
    TokenizerOptions o = Task::tokenizerOptions();
    o.buckets = mData.train.features;  // the embedding table's rows
    return o;
  }

 protected:
  std::unique_ptr<Model> makeModel() override {
    auto model = createTextModel(mConfig, mData.train, mBackend);
    mText = model.get();
    return model;
  }

 private:
  // Fills each token's byte span in `text` (the model knows ids, not bytes).
  void attachText(Inspection& out, const std::string& text) const {
    out.text = text;
    const auto spans = tokenSpans(text, tokenizerOptions());
    for (std::size_t i = 0; i < out.tokens.size() && i < spans.size(); ++i) {
      out.tokens[i].begin = spans[i].begin;
      out.tokens[i].end = spans[i].end;
    }
  }

  TextMoeClassifier* mText = nullptr;
  ClassificationScratch mScratch;
};

bool acceptsTokens(const Dataset& train) { return train.kind == DataKind::Tokens; }

std::unique_ptr<Model> createTokenModel(const TrainConfig& config, const Dataset& train,
                                        compute::Backend& backend) {
  return createTextModel(config, train, backend);
}

std::unique_ptr<Task> createTokenTask(const TrainConfig& config, const DataSplits& data,
                                      compute::Backend& backend) {
  return std::make_unique<TokenClassification>(config, data, backend);
}

}  // namespace

const TaskInfo& tokenClassificationTask() {
  static const TaskInfo info{"token-classification",
                             "texts -> class, with the MoE routing each token",
                             QualityMetric::Accuracy,
                             false,
                             "cross-entropy",
                             "Language",
                             "tokens",
                             InspectorView::Text,
                             false,
                             false,
                             acceptsTokens,
                             createTokenModel,
                             createTokenTask};
  return info;
}

}  // namespace moe::core
