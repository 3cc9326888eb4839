#include "ui/inspectorpanel.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/data/dataset.h"
#include "core/routing/router_diagnostics.h"
#include "core/routing/routing_history.h"
#include "core/task/task.h"
#include "core/train/layer_settings.h"
#include "ui/ablatedinputview.h"
#include "ui/gatebarchart.h"
#include "ui/imageview.h"
#include "ui/patchoverlay.h"
#include "ui/routinghistoryview.h"
#include "ui/sampleimage.h"
#include "ui/sessioncontroller.h"
#include "ui/testsetfilter.h"

namespace moe::ui {

namespace {
constexpr int kMaxThumbnails = 400;  // enough to browse; building more would stall the UI
constexpr int kThumb = 56;

int argmax(const std::vector<float>& v) {
  return v.empty() ? -1 : int(std::max_element(v.begin(), v.end()) - v.begin());
}
}  // namespace

InspectorPanel::InspectorPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mFilter = new TestSetFilter(tr("Class:"), tr("All classes"), QStringLiteral("classFilter"), this);

  mList = new QListWidget(this);
  mList->setViewMode(QListView::IconMode);
  mList->setIconSize(QSize(kThumb, kThumb));
  mList->setResizeMode(QListView::Adjust);
  mList->setMovement(QListView::Static);
  mList->setUniformItemSizes(true);
  mList->setSpacing(2);
  mList->setMinimumWidth(kThumb * 4);

  mImage = new ImageView(this);
  mSaliency = new QCheckBox(tr("Gate saliency overlay"), this);
  mSaliency->setChecked(true);
  mSaliency->setToolTip(tr("|d p(first expert) / d pixel|: the pixels that drove the gate"));
  mLegend = new QLabel(this);
  mLegend->setObjectName(QStringLiteral("patchLegend"));
  mLegend->setWordWrap(true);
  mLegend->setTextFormat(Qt::RichText);
  mLegend->hide();
  mSummary = new QLabel(tr("Pick an input on the left (train first for predictions)."), this);
  mSummary->setWordWrap(true);
  QFont big = mSummary->font();
  big.setPointSize(big.pointSize() + 3);
  mSummary->setFont(big);
  mGate = new GateBarChart(this);
  mExperts = new QTableWidget(0, 5, this);
  mExperts->setHorizontalHeaderLabels(
      {tr("Expert"), tr("Combine weight"), tr("Predicts"), tr("Confidence"), tr("p(true class)")});
  mExperts->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  mExperts->verticalHeader()->setVisible(false);
  mExperts->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mHistory = new RoutingHistoryView(this);

  auto* imageBox = new QVBoxLayout;
  imageBox->addWidget(mImage, 1);
  imageBox->addWidget(mSaliency);
  imageBox->addWidget(mLegend);
  auto* detail = new QWidget(this);
  auto* grid = new QGridLayout(detail);
  grid->addLayout(imageBox, 0, 0);
  grid->addWidget(mGate, 0, 1);
  grid->addWidget(mSummary, 1, 0, 1, 2);
  grid->addWidget(mExperts, 2, 0, 1, 2);
  grid->addWidget(mHistory, 3, 0, 1, 2);
  mAblated = new AblatedInputView(controller, detail);
  grid->addWidget(mAblated, 4, 0, 1, 2);
  grid->setColumnStretch(0, 2);
  grid->setColumnStretch(1, 3);
  grid->setRowStretch(0, 3);
  grid->setRowStretch(2, 1);
  grid->setRowStretch(3, 2);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(mList);
  split->addWidget(detail);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(mFilter);
  layout->addWidget(split, 1);

  connect(mFilter, &TestSetFilter::changed, this, [this] { refreshList(); });
  connect(mList, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) showInput(item->data(Qt::UserRole).toInt());
  });
  connect(mSaliency, &QCheckBox::toggled, mImage, &ImageView::setOverlayVisible);
  connect(controller, &SessionController::sessionReady, this, [this] {
    mReport = mController->latestEval();
    mInspection.reset();
    mCurrent = -1;
    clearDetails();  // the last model's verdicts must not stay beside the new model's list
    rebuildFilters();
    refreshList();
  });
  connect(controller, &SessionController::viewLayerChanged, this, [this] {
    mReport = mController->latestEval();  // the other layer's routing, filters and gate
    rebuildFilters();
    refreshList();
    if (mCurrent >= 0) mController->requestInspection(mCurrent);
  });
  connect(controller, &SessionController::evalAppended, this, [this] {
    mReport = mController->latestEval();
    refreshHistory();  // cheap: a hundred rows at most, and never stale while hidden
    if (!isVisible()) {
      mListStale = true;  // thumbnails cost tens of ms: build them when the panel is shown
      return;
    }
    refreshList();
    if (mCurrent >= 0) mController->requestInspection(mCurrent);  // predictions moved on
  });
  connect(controller, &SessionController::inspectionReady, this, &InspectorPanel::onInspection);
  rebuildFilters();
}

QString InspectorPanel::className(int cls) const {
  const auto data = mController->data();
  if (data && cls >= 0 && cls < int(data->test.classNames.size()))
    return QString::fromStdString(data->test.classNames[std::size_t(cls)]);
  return cls >= 0 ? QString::number(cls) : tr("?");
}

void InspectorPanel::setPresentation(bool on) {
  mHistory->setVisible(!on);
  mAblated->setVisible(!on);
}

void InspectorPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!mListStale) return;
  mListStale = false;
  refreshList();
  if (mCurrent >= 0) mController->requestInspection(mCurrent);
}

void InspectorPanel::rebuildFilters() {
  QStringList names;
  const auto data = mController->data();
  if (data)
    for (int c = 0; c < data->test.classes; ++c) names << className(c);
  mFilter->rebuild(names, core::layerConfig(mController->config().model, mController->viewLayer()).routedExperts());
  mGate->setSharedExperts(mController->config().model.sharedExperts);
}

void InspectorPanel::setFilter(int cls, int expert, bool misclassifiedOnly) {
  mFilter->set(cls, expert, misclassifiedOnly);
  refreshList();
}

void InspectorPanel::refreshList() {
  mListStale = false;
  const auto data = mController->data();
  mMatches.clear();
  mList->clear();
  if (!data) {
    mFilter->setCountText(tr("No data loaded"));
    return;
  }
  const core::Dataset& test = data->test;
  const core::EvalReport* r = mReport.get();
  const bool havePredictions = r && int(r->predictions.size()) >= test.rows();
  mMatches = mFilter->matches(test, r);
  mFilter->showCount(tr("%n input(s)", nullptr, int(mMatches.size())), int(mMatches.size()), kMaxThumbnails, r);
  const QSignalBlocker block(mList);
  for (int n = 0; n < std::min<int>(kMaxThumbnails, int(mMatches.size())); ++n) {
    const int i = mMatches[std::size_t(n)];
    QImage img = sampleImage(test, i);
    auto* item = new QListWidgetItem(mList);
    if (!img.isNull()) item->setIcon(QIcon(QPixmap::fromImage(img.scaled(kThumb, kThumb))));
    item->setData(Qt::UserRole, i);
    const int label = i < int(test.labels.size()) ? test.labels[std::size_t(i)] : -1;
    QString tip = tr("#%1: %2").arg(i).arg(className(label));
    if (havePredictions) tip += tr(", predicted %1").arg(className(r->predictions[std::size_t(i)]));
    item->setToolTip(tip);
    if (img.isNull()) item->setText(QString::number(i));
    if (i == mCurrent) mList->setCurrentItem(item);
  }
}

QString InspectorPanel::summaryText() const { return mSummary->text(); }

void InspectorPanel::clearDetails() {
  mImage->setImage(QImage());
  mImage->setOverlay(QImage());
  mGate->clearGate();
  mExperts->setRowCount(0);
  mHistory->clear();
  mAblated->setInput(-1, -1);
  mSummary->setText(tr("Pick an input on the left (train first for predictions)."));
}

void InspectorPanel::refreshHistory() {
  if (mCurrent < 0) {
    mHistory->clear();
    return;
  }
  mHistory->showHistory(mReport ? mReport->routingHistory.get() : nullptr, mCurrent);
}

QString InspectorPanel::evaluationVerdict(const core::Inspection& in) const {
  // The list and the filters come from the last evaluation, the details from the weights
  // now: when they differ, say what the evaluation saw, so the two never contradict.
  const core::EvalReport* r = mReport.get();
  if (!r || in.index < 0 || in.index >= int(r->predictions.size())) return {};
  const int then = r->predictions[std::size_t(in.index)];
  if (r->step == in.step) return {};
  return tr("<br>At the evaluation of step %1 (what the list shows): predicted <b>%2</b> %3")
      .arg(r->step)
      .arg(className(then))
      .arg(then == in.label ? tr("<span style='color:#2a8a2a'>✔</span>")
                            : tr("<span style='color:#c02020'>✘</span>"));
}

void InspectorPanel::showInput(int testIndex) {
  const auto data = mController->data();
  if (!data || testIndex < 0 || testIndex >= data->test.rows()) return;
  mCurrent = testIndex;
  mImage->setImage(sampleImage(data->test, testIndex));
  const int label = testIndex < int(data->test.labels.size()) ? data->test.labels[std::size_t(testIndex)] : -1;
  mSummary->setText(tr("Input #%1 · true class: %2 · inspecting…").arg(testIndex).arg(className(label)));
  refreshHistory();
  mController->requestInspection(testIndex);
}

QString InspectorPanel::routingHealthText(const core::Inspection& in) const {
  // The router's margin for this input now, and whether its first expert moved between the
  // last two evaluations (core/routing/router_diagnostics.h).
  const auto& eval = mReport;
  const int experts = int(in.gateProbs.size());
  // The router's choices per row, as the evaluations measure it: a patch or text input lists
  // every expert that took one of its tokens in `chosen`, and a dropped input fewer than k.
  const int k = core::expertsPerRow(mController->config().model);
  QString text;
  const std::vector<float> margin = core::topkMargins(in.gateProbs.data(), 1, experts, k);
  if (!margin.empty() && std::isfinite(margin[0])) {
    const bool fragile = margin[0] < mController->config().health.fragileMargin;
    // At the inspected weights, which may be newer than the last evaluation's line above.
    text += tr("<br>top-%1 margin at step %4: <b>%2</b>%3").arg(k).arg(double(margin[0]), 0, 'f', 3)
                .arg(fragile ? tr(" <span style='color:#c06000'>(fragile: a small change flips "
                                  "its experts)</span>") : QString())
                .arg(in.step);
  }
  if (eval && in.index >= 0 && std::size_t(in.index) < eval->previousTop1.size() && eval->k > 0 &&
      eval->experts == experts) {
    const std::vector<std::int32_t> now =
        core::preferredExperts(eval->gateProbs.data() + std::size_t(in.index) * std::size_t(experts), 1,
                               experts, 1);
    const int before = eval->previousTop1[std::size_t(in.index)];
    text += before == now[0] ? tr(" · first expert E%1, unchanged since the previous evaluation").arg(now[0])
                             : tr(" · first expert moved E%1 → E%2 at the evaluation of step %3")
                                   .arg(before).arg(now[0]).arg(eval->step);
  }
  return text;
}

void InspectorPanel::onInspection(const core::Inspection& in) {
  if (in.index != mCurrent) return;  // an older request
  mInspection = in;
  mAblated->setInput(in.index, in.label);
  const auto data = mController->data();
  const bool patches = in.patchSize > 0 && !in.tokens.empty();
  mSaliency->setText(patches ? tr("Patch routing overlay") : tr("Gate saliency overlay"));
  mSaliency->setToolTip(patches ? tr("Each patch coloured by the expert it went to first")
                                : tr("|d p(first expert) / d pixel|: the pixels that drove the gate"));
  mLegend->setVisible(patches);
  if (data && patches) {
    const core::Dataset& t = data->test;
    mImage->setOverlay(patchRoutingOverlay(in, t.imageWidth, t.imageHeight));
    mLegend->setText(patchLegendHtml(in));
  } else if (data && !in.saliency.empty()) {
    const core::Dataset& t = data->test;
    mImage->setOverlay(saliencyOverlay(in.saliency, t.imageWidth, t.imageHeight, t.imageChannels));
  }
  if (in.patchSize > 0)  // routed per patch: mean gates beside each expert's share of the patches
    mGate->setTokenShares(in.gateProbs, in.chosen, in.chosenGates);
  else
    mGate->setGate(in.gateProbs, in.chosen, in.chosenGates, in.dropped);
  const bool right = in.predicted == in.label;
  const int predicted = in.predicted >= 0 ? in.predicted : argmax(in.prediction);
  const double conf = predicted >= 0 && predicted < int(in.prediction.size())
                          ? double(in.prediction[std::size_t(predicted)]) : 0.0;
  QString text = tr("Input #%1 · true: <b>%2</b> · model at step %6: predicted <b>%3</b> (%4%) %5")
                     .arg(in.index)
                     .arg(className(in.label), className(predicted))
                     .arg(conf * 100, 0, 'f', 1)
                     .arg(right ? tr("<span style='color:#2a8a2a'>✔ correct</span>")
                                : tr("<span style='color:#c02020'>✘ wrong</span>"))
                     .arg(in.step);
  if (in.dropped) text += tr(" · <span style='color:#c02020'>dropped by capacity</span>");
  if (!in.note.empty()) text += QStringLiteral(" · ") + QString::fromStdString(in.note).toHtmlEscaped();
  text += evaluationVerdict(in);
  text += routingHealthText(in);
  mSummary->setText(text);

  mExperts->setRowCount(0);
  auto addRow = [this](const QString& name, const QString& weight, const std::vector<float>& p,
                       int label) {
    const int row = mExperts->rowCount();
    mExperts->insertRow(row);
    const int pred = argmax(p);
    mExperts->setItem(row, 0, new QTableWidgetItem(name));
    mExperts->setItem(row, 1, new QTableWidgetItem(weight));
    mExperts->setItem(row, 2, new QTableWidgetItem(className(pred)));
    mExperts->setItem(row, 3, new QTableWidgetItem(
        pred >= 0 ? QString::number(double(p[std::size_t(pred)]) * 100, 'f', 1) + QLatin1Char('%') : QString()));
    mExperts->setItem(row, 4, new QTableWidgetItem(
        label >= 0 && label < int(p.size()) ? QString::number(double(p[std::size_t(label)]) * 100, 'f', 1) + QLatin1Char('%')
                                            : QString()));
    if (pred >= 0) mExperts->item(row, 2)->setForeground(pred == label ? QColor(42, 138, 42) : QColor(192, 32, 32));
  };
  for (std::size_t r = 0; r < in.chosen.size() && r < in.expertPredictions.size(); ++r) {
    const QString w = r < in.chosenGates.size() ? QString::number(double(in.chosenGates[r]), 'f', 3) : QString();
    addRow(tr("E%1 (choice %2)").arg(in.chosen[r]).arg(r + 1), w, in.expertPredictions[r], in.label);
  }
  addRow(tr("Combined"), QStringLiteral("1.000"), in.prediction, in.label);
  QFont bold = mExperts->font();
  bold.setBold(true);
  for (int c = 0; c < mExperts->columnCount(); ++c)
    if (auto* item = mExperts->item(mExperts->rowCount() - 1, c)) item->setFont(bold);
}

}  // namespace moe::ui
