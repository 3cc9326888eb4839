#pragma once
#include <memory>
#include <optional>
#include <vector>

#include <QWidget>

#include "core/train/inspection.h"
#include "core/train/metrics.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QTableWidget;

namespace moe::ui {

class TestSetFilter;

class GateBarChart;
class ImageView;
class AblatedInputView;
class RoutingHistoryView;
class SessionController;

/**
 * Browse the test set (filtered by class, by expert, or misclassified only, from the latest
 * evaluation) and inspect one input: the image with the gate's saliency (or, for a patch-token
 * model, each patch coloured by the expert it went to, with a legend), the gate's
 * probabilities, each chosen expert's prediction and the combined one against the label, and
 * how the input's routing changed across evaluations.
 */
class InspectorPanel : public QWidget {
  Q_OBJECT

 public:
  explicit InspectorPanel(SessionController* controller, QWidget* parent = nullptr);

  /** cls or expert -1 = any. */
  void setFilter(int cls, int expert, bool misclassifiedOnly);
  /** Shows one test row and asks the trainer to inspect it. */
  void showInput(int testIndex);
  /** Test rows matching the filter (all of them, not only the thumbnails shown). */
  const std::vector<int>& matches() const { return mMatches; }
  int currentInput() const { return mCurrent; }
  const std::optional<core::Inspection>& inspection() const { return mInspection; }
  GateBarChart* gateChart() const { return mGate; }
  /** The summary line as shown (rich text), for tests. */
  QString summaryText() const;
  QListWidget* list() const { return mList; }
  RoutingHistoryView* routingHistory() const { return mHistory; }
  /** "Predict with each expert removed" for the input on display. */
  AblatedInputView* ablatedInput() const { return mAblated; }
  /** Presentation mode: one input's picture, gate, verdict and experts, without the routing
   *  history and the ablation row (at 720 lines all of it overlapped and held the window at
   *  750-782 lines; the desk shows them). */
  void setPresentation(bool on);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void rebuildFilters();
  void refreshList();
  void onInspection(const core::Inspection& inspection);
  void clearDetails();
  /** The selected input's routing across the kept evaluations of the latest report. */
  void refreshHistory();
  /** What the last evaluation predicted for the inspected input, when it was made at
   *  another step than the inspection's weights (empty otherwise). */
  QString evaluationVerdict(const core::Inspection& in) const;
  /** The input's top-k margin and how its first expert changed across evaluations. */
  QString routingHealthText(const core::Inspection& inspection) const;
  QString className(int cls) const;

  SessionController* mController;
  TestSetFilter* mFilter;
  QListWidget* mList;
  ImageView* mImage;
  QCheckBox* mSaliency;
  QLabel* mLegend;  ///< patch models: the experts' colours
  QLabel* mSummary;
  GateBarChart* mGate;
  QTableWidget* mExperts;
  RoutingHistoryView* mHistory;
  AblatedInputView* mAblated;

  std::shared_ptr<const core::EvalReport> mReport;  // what the list was built from
  std::vector<int> mMatches;
  int mCurrent = -1;
  std::optional<core::Inspection> mInspection;
  bool mListStale = false;
};

}  // namespace moe::ui
