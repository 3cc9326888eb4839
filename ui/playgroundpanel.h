#pragma once
/** @file The Playground tab: for datasets with 1 or 2 inputs, the input plane shaded by the
 *  gate's chosen expert and by the mixture's prediction, with the training points on top, a
 *  toggle per expert for its own decision surface, and for 1-D regression each expert's line,
 *  the gate's weights and the mixture's curve. Redrawn 5 times a second while it is shown:
 *  each redraw runs one grid through the model on the trainer's thread between steps
 *  (core::probePlane), so the regions are the gate's real decisions. A click adds a point of
 *  the chosen class; "Train with my points" rebuilds on the points as a toy:csv dataset. */
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <future>
#include <memory>
#include <vector>

#include "core/train/config.h"
#include "core/train/plane_probe.h"
#include "ui/planeview.h"

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QGridLayout;
class QLabel;
class QPushButton;
class QStackedWidget;

namespace moe::ui {

class MixtureLineView;
class SessionController;

class PlaygroundPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PlaygroundPanel(SessionController* controller, QWidget* parent = nullptr);
  ~PlaygroundPanel() override;

  /** The grid over a dataset's inputs: their bounding box, padded and made square; `cells`
   *  per side (1-D data: cells along x, height 1). */
  static core::PlaneGrid gridFor(const core::Dataset& train, int cells);
  /** Whether the playground draws this data (Dense with 1 or 2 inputs). */
  static bool draws(const core::Dataset& train);

  /** Asks the trainer for a probe now, even if the step did not change (the timer asks 5 times
   *  a second while the tab is shown and the model moved). */
  void requestProbe();
  bool hasProbe() const { return mHasProbe; }
  const core::PlaneProbe& probe() const { return mProbe; }
  PlaneView* regionsView() const { return mRegions; }
  PlaneView* predictionView() const { return mPrediction; }
  MixtureLineView* lineView() const { return mLine; }
  /** Expert e's own surface (shown while its toggle is on); nullptr past the experts. */
  PlaneView* expertView(int e) const;
  QCheckBox* expertToggle(int e) const;
  /** hme with 2 inputs and depth 2 or more: the tree level whose regions the first plane
   *  colours (index 0 = level 1, the root gate; the last = the experts, the default). */
  QComboBox* levelBox() const { return mLevel; }
  /** The tree level the regions show (1 .. depth), 0 when the model is not a tree. */
  int shownLevel() const;
  int probesDrawn() const { return mDrawn; }
  /** Milliseconds the last probe took on the trainer thread, and the last drawing on this one. */
  double lastProbeMs() const { return mProbeMs; }
  double lastDrawMs() const { return mDrawMs; }
  /** Points the user clicked in, and adding one as a click would. */
  const std::vector<PlanePoint>& userPoints() const { return mUser; }
  void addUserPoint(double x, double y, int cls);
  /** Writes the training points and the user's to a CSV and applies that dataset (toy:csv:FILE);
   *  returns the file, empty (with a notice) when there is nothing to train on. */
  QString trainWithUserPoints();

 Q_SIGNALS:
  void probeDrawn();
  void notice(const QString& text, bool error);

 protected:
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  /** The experts' own views below the main pair, or beside it when the tab is wide and short;
   *  hidden when none is toggled on. */
  void placeExperts(bool beside);
  /** The expert toggles and legend chips take the panel's font, the toggles in bold: styled
   *  widgets (their colours) did not follow the panel's font into presentation mode. */
  void applyExpertFonts();

  void sessionReady();
  void poll();
  void draw();
  void rebuildExperts(int experts);
  void setUpLevels(const core::TrainConfig& config, bool plane);
  void drawRegions();

  SessionController* mController;
  QStackedWidget* mPages;
  QLabel* mMessage;
  QLabel* mStatus;
  PlaneView* mRegions;
  PlaneView* mPrediction;
  MixtureLineView* mLine;
  QHBoxLayout* mToggleRow;
  QLabel* mToggleLabel;
  QHBoxLayout* mExpertRow;
  QWidget* mPlanes = nullptr;
  QGridLayout* mPlaneGrid = nullptr;
  QWidget* mExperts = nullptr;  // holds mExpertRow
  bool mExpertsBeside = false;
  QWidget* mLegend = nullptr;
  std::vector<QCheckBox*> mToggles;
  std::vector<PlaneView*> mExpertViews;
  QPushButton* mAdd;
  QComboBox* mClass;
  QLabel* mLevelLabel;
  QComboBox* mLevel;
  QPushButton* mTrainPoints;
  QPushButton* mClear;

  QTimer mTimer;
  std::future<void> mPending;
  std::shared_ptr<core::PlaneProbe> mResult;
  std::shared_ptr<double> mResultMs;
  core::PlaneProbe mProbe;
  core::PlaneGrid mGrid;
  bool mHasProbe = false;
  bool mForce = false;
  long mProbedStep = -1;
  int mDrawn = 0;
  double mProbeMs = 0.0, mDrawMs = 0.0;
  float mLo = -1.0f, mHi = 1.0f;  ///< regression: the value colour range
  std::vector<PlanePoint> mUser;
};

}  // namespace moe::ui
