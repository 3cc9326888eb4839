#pragma once
#include <QMainWindow>
#include <QStringList>

#include "core/train/config.h"

class QLabel;
class QProgressBar;
class QStackedWidget;
class QTabWidget;

namespace moe::ui {

class ControlBar;
class GalleryPanel;
class InspectorPanel;
class MessageBanner;
class PresentationMode;
class RecommendPanel;
class PlaygroundPanel;
class RouterHealthPanel;
class SessionController;
class SetupPanel;
class TeacherPresetBar;
class TextInspectorPanel;
class TrainingPanel;

/** The explorer's window: assembles the panels around one SessionController. */
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /** Applies the given settings (or the remembered ones) and builds the first session. */
  void start(const core::TrainConfig& config);
  /** The settings remembered from the last launch, or the defaults. */
  static core::TrainConfig rememberedConfig();

  SessionController* controller() const { return mController; }
  SetupPanel* setupPanel() const { return mSetup; }
  ControlBar* controlBar() const { return mControls; }
  TrainingPanel* trainingPanel() const { return mTraining; }
  InspectorPanel* inspectorPanel() const { return mInspector; }
  TextInspectorPanel* textInspectorPanel() const { return mTextInspector; }
  RecommendPanel* recommendPanel() const { return mRecommend; }
  GalleryPanel* galleryPanel() const { return mGallery; }
  /** The status bar's "epoch E · step S", as shown (for tests). */
  QString stepText() const;
  RouterHealthPanel* routerHealthPanel() const { return mHealth; }
  PlaygroundPanel* playgroundPanel() const { return mPlayground; }
  TeacherPresetBar* presetBar() const { return mPresets; }
  MessageBanner* banner() const { return mBanner; }
  QTabWidget* tabs() const { return mTabs; }
  /** Presentation mode (View menu, F5): projector sizes and fewer panels. */
  PresentationMode* presentation() const { return mPresentation; }

  bool exportMetrics(const QString& path);
  /** Writes every plot as dir/<plot>.png and .pdf; returns the files written. */
  QStringList exportPlots(const QString& dir);
  void saveSession(const QString& dir);
  void loadSession(const QString& dir);
  /** Shows a run-history file (e.g. moe-train --history) in the plots, its settings in the
   *  setup panel; Apply or Play trains such a run anew. */
  void openRunHistory(const QString& path);
  void showInspector();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  /** Shows the inspector that fits the data (images, text, ratings) and the gallery only
   *  for images. */
  void adaptToData();
  void updateStatus();
  void rememberSettings();
  void saveSessionDialog();
  void loadSessionDialog();
  void openRunHistoryDialog();
  void exportMetricsDialog();
  void exportPlotsDialog();

  SessionController* mController;
  SetupPanel* mSetup;
  ControlBar* mControls;
  TrainingPanel* mTraining;
  InspectorPanel* mInspector;
  TextInspectorPanel* mTextInspector;
  RecommendPanel* mRecommend;
  QStackedWidget* mInspectorStack;
  GalleryPanel* mGallery;
  RouterHealthPanel* mHealth;
  PlaygroundPanel* mPlayground;
  TeacherPresetBar* mPresets;
  MessageBanner* mBanner;
  PresentationMode* mPresentation;
  QTabWidget* mTabs;
  QLabel* mStateLabel;
  QLabel* mStepLabel;
  QLabel* mSpeedLabel;
  QLabel* mBackendLabel;
  QProgressBar* mEpochBar;
};

}  // namespace moe::ui
