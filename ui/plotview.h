#pragma once
#include <vector>

#include <QElapsedTimer>
#include <QString>
#include <QTimer>

#include "ui/curvethinning.h"
#include "ui/qcp.h"

namespace moe::ui {

/**
 * A QCustomPlot with the explorer's look: large fonts readable on a projector, drag to pan,
 * wheel to zoom, double-click to follow the data again, and a right-click menu that exports
 * the plot as PNG or PDF.
 */
class PlotView : public QCustomPlot {
  Q_OBJECT

 public:
  explicit PlotView(const QString& title, QWidget* parent = nullptr);

  QString title() const { return mTitle; }
  /** The title with any second line (e.g. the heatmap's source and information), as set: the
   *  drawn text may be broken into more lines where the plot is narrow (drawnTitle). */
  QString shownTitle() const;
  /** The title and subtitle as drawn: broken at spaces into lines as wide as the plot (a word
   *  wider than it is elided), so a long title never runs off both edges. */
  QString drawnTitle() const;
  /** A second, smaller line under the title (what the plot shows: split, step, a figure). */
  void setSubtitle(const QString& text);
  /** Changes the title (and so the export file name), e.g. "RMSE" for a regression task. */
  void setTitle(const QString& title);
  /** Writes the plot to path; the suffix (.png or .pdf) picks the format. */
  bool exportTo(const QString& path, QString* error = nullptr);
  /** True while the axes follow the data (until the user pans or zooms). */
  bool following() const { return mFollowing; }
  void setFollowing(bool follow);
  /** Rescales (when following) and queues a replot; skipped while hidden, and coalesced to
   *  at most one replot per minimum interval so live data never swamps the event loop. */
  void refresh();
  /** The shortest time between two live replots (default 250 ms). */
  void setMinReplotInterval(int ms) { mMinInterval = ms; }
  /** A short file name derived from the title, e.g. "expert-load". */
  QString slug() const;
  /** Puts the legend in a row under the axes, in as many columns as its widest entry
   *  leaves room for: inside the axes it would hide the curves it names. */
  void placeLegendBelow();
  /** Sets the font point size of every text on the plot. */
  void setBaseFontSize(int points);
  /** Presentation mode: every text at least kPresentationPixels (ticks, legend, markers),
   *  titles larger, lines twice as thick; off returns to the desk sizes. */
  virtual void setPresentation(bool on);
  bool presentation() const { return mPresentation; }
  /** The smallest text drawn on the plot, in pixels (tick labels, legend, titles, markers). */
  virtual int smallestTextPixels() const;
  /** Pixel height of the smallest text in presentation mode: readable from 10 m. */
  static constexpr int kPresentationPixels = 18;
  /** How much thicker lines are drawn in presentation mode. */
  double lineScale() const { return mPresentation ? 2.0 : 1.0; }
  /** A vertical line at x labelled at the top (an alarm at its step, a setting changed);
   *  kept until clearMarkers() of its group. Labels are laid out at every replot so that
   *  none overlaps another or leaves the axes (ui/markerlayout.h). */
  void addMarker(double x, const QString& label, const QColor& color, int group = 0);
  /** Removes the markers of a group, or all of them (group -1). */
  void clearMarkers(int group = -1);
  int markerCount() const { return int(mMarkers.size()); }
  /** A marker's full label, and where it was drawn at the last replot (empty when it was
   *  not shown: out of view, or no room). */
  QString markerLabel(int i) const { return mMarkers[std::size_t(i)].label; }
  QRect markerLabelRect(int i) const;
  /** A sentence in the middle of the axes while no curve has a point, saying what will
   *  appear and when ("The loss appears after the first step: press Play (Space)"). */
  void setEmptyHint(const QString& text);
  /** True while the empty hint is drawn (the plot has a hint and had no data at its last
   *  replot). */
  bool emptyHintShown() const;
  /** Stops following and shows [x - halfWidth, x + halfWidth] (jump to a step). */
  void showAround(double x, double halfWidth);

 Q_SIGNALS:
  void exportFinished(const QString& path, bool ok, const QString& error);

 protected:
  /** Called by refresh() while following; the default rescales all axes. */
  virtual void rescale();
  /** Called before every replot: derived data (a smoothed curve) is brought up to date. */
  virtual void prepareData() {}
  /** Whether the plot has something to draw (the empty hint shows while not); the default
   *  looks at the graphs, a plot of another kind (a colour map) says so itself. */
  virtual bool hasData() const;
  void showEvent(QShowEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  /** Changes the text of the title only (not the export name), fitted to the width. */
  void setShownTitle(const QString& text);

 private:
  void showMenu(const QPoint& pos);
  void exportWithDialog(const QString& suffix);

  QString mTitle;
  QCPTextElement* mTitleElement = nullptr;
  QCPTextElement* mSubtitle = nullptr;
  QString mTitleText, mSubtitleText;  // as set; the elements hold them fitted to the width
  void fitTitles(int plotWidth = -1);  // -1: the widget's width
  QCPItemText* mEmptyHint = nullptr;
  struct Marker {
    QCPItemStraightLine* line;
    QCPItemText* text;
    QString label;
    double x;
    int group;
  };
  std::vector<Marker> mMarkers;
  void layoutMarkers();
  bool mFollowing = true;
  bool mLegendBelow = false;
  bool mPresentation = false;
  void replotNow();
  void fitLegendColumns();

  bool mDirty = false;
  int mMinInterval = 250;  // 4 Hz per plot: live to the eye, a small share of the UI thread
  QElapsedTimer mSinceReplot;
  QTimer mDeferred;
};

}  // namespace moe::ui
