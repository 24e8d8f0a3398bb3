#include "signal/text_signal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include <htslib/bgzf.h>
#include <spdlog/spdlog.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_pipeline.h>

#include "genome/chrom_names.hpp"
#include "signal/gene_windows.hpp"
#include "signal/track_mean.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace {

struct BgzfCloser {
  void operator()(BGZF* f) const { bgzf_close(f); }
};
using BgzfHandle = std::unique_ptr<BGZF, BgzfCloser>;

// bgzf reads BGZF, plain gzip (one inflate stream, necessarily single-threaded) and uncompressed
// files alike; BGZF blocks are inflated in parallel by htslib threads.
BgzfHandle open_text(const std::string& name, int threads) {
  BgzfHandle fp(bgzf_open(name.c_str(), "r"));
  if (!fp) fail("{}: cannot open: {}", name, std::strerror(errno));
  if (bgzf_compression(fp.get()) == 2) {
    // A BGZF file cut at a block boundary inflates cleanly; only the missing EOF block tells.
    if (bgzf_check_EOF(fp.get()) == 0) fail("{}: truncated file (no BGZF end-of-file marker)", name);
    if (threads > 1 && bgzf_mt(fp.get(), threads, 256) != 0)
      spdlog::warn("{}: could not start {} decompression threads; reading with one", name, threads);
  }
  return fp;
}

bool is_separator(char c) { return c == '\t' || c == ' '; }

// Next whitespace-separated field of [p, end); p moves past it and its separators.
std::string_view next_field(const char*& p, const char* end) {
  const char* begin = p;
  while (p < end && !is_separator(*p)) ++p;
  std::string_view field(begin, static_cast<std::size_t>(p - begin));
  while (p < end && is_separator(*p)) ++p;
  return field;
}

bool is_header_line(std::string_view line) {
  auto keyword = [&](std::string_view word) {
    return line.substr(0, word.size()) == word && (line.size() == word.size() || is_separator(line[word.size()]));
  };
  return line.empty() || line[0] == '#' || keyword("track") || keyword("browser");
}

std::optional<std::int64_t> whole_int(std::string_view field) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size() || field.empty()) return std::nullopt;
  return value;
}

// A run of whole lines of the file and the number of lines before it (for "file:line" errors).
struct Chunk {
  std::vector<char> text;
  std::uint64_t lines_before = 0;
};

// Cuts the decompressed stream into chunks of whole lines, in file order.
class ChunkSource {
 public:
  ChunkSource(BGZF* fp, std::string name) : fp_(fp), name_(std::move(name)) {}

  std::shared_ptr<Chunk> next() {
    if (eof_ && carry_.empty()) return nullptr;
    auto chunk = std::make_shared<Chunk>();
    chunk->lines_before = lines_;
    std::vector<char>& text = chunk->text;
    text.swap(carry_);
    std::size_t target = kChunkBytes;
    std::size_t cut = 0;  // bytes of whole lines
    while (true) {
      while (text.size() < target && !eof_) {
        const std::size_t have = text.size();
        text.resize(std::max(target, have + kReadBytes));
        const ssize_t got = bgzf_read(fp_, text.data() + have, text.size() - have);
        if (got < 0)
          fail("{}: read error after line {} (truncated or corrupt compressed file)", name_, lines_ + count_lines(text, have));
        text.resize(have + static_cast<std::size_t>(got));
        if (got == 0) eof_ = true;
      }
      if (eof_) {
        cut = text.size();
        break;
      }
      const auto last = std::find(text.rbegin(), text.rend(), '\n');
      if (last != text.rend()) {
        cut = static_cast<std::size_t>(text.rend() - last);
        break;
      }
      target *= 2;  // one line longer than a chunk: read on until it ends
    }
    carry_.assign(text.begin() + static_cast<std::ptrdiff_t>(cut), text.end());
    text.resize(cut);
    lines_ += count_lines(text, text.size());
    if (eof_ && !text.empty() && text.back() != '\n') ++lines_;
    if (text.empty()) return nullptr;
    return chunk;
  }

 private:
  static std::uint64_t count_lines(const std::vector<char>& text, std::size_t n) {
    return static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n), '\n'));
  }
  // The fuzzing build (tests/fuzz) sets tiny chunks, so that short inputs cross chunk boundaries.
#ifndef ACHROME_TEXT_CHUNK_BYTES
#define ACHROME_TEXT_CHUNK_BYTES (4 << 20)
#endif
  static constexpr std::size_t kChunkBytes = ACHROME_TEXT_CHUNK_BYTES;
  static constexpr std::size_t kReadBytes = kChunkBytes / 4;
  BGZF* fp_;
  std::string name_;
  std::vector<char> carry_;
  std::uint64_t lines_ = 0;
  bool eof_ = false;
};

// Calls on_line(line, line_number) for every line of the file, chunks in parallel. on_line runs
// concurrently on different chunks; lines of one chunk are seen in order by one thread.
template <typename OnChunkLine>
void for_each_line_parallel(BGZF* fp, const std::string& name, int threads, OnChunkLine&& on_line) {
  ChunkSource source(fp, name);
  const std::size_t tokens = static_cast<std::size_t>(std::max(2, 2 * threads));
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::shared_ptr<Chunk>>(tbb::filter_mode::serial_in_order,
                                                     [&](tbb::flow_control& control) {
                                                       auto chunk = source.next();
                                                       if (!chunk) control.stop();
                                                       return chunk;
                                                     }) &
          tbb::make_filter<std::shared_ptr<Chunk>, void>(
              tbb::filter_mode::parallel, [&](const std::shared_ptr<Chunk>& chunk) {
                if (!chunk) return;
                const char* p = chunk->text.data();
                const char* end = p + chunk->text.size();
                std::uint64_t line_number = chunk->lines_before;
                bool first = true;
                while (p < end) {
                  const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
                  const char* line_end = newline ? newline : end;
                  std::size_t length = static_cast<std::size_t>(line_end - p);
                  if (length > 0 && p[length - 1] == '\r') --length;
                  on_line(std::string_view(p, length), ++line_number, first);
                  first = false;
                  p = newline ? newline + 1 : end;
                }
              }));
}

// The genes' chromosomes stand in for the file's chromosome list (a text file has no header):
// one entry per chromosome, alias spellings merged; lengths from chrom.sizes when given, else the
// end of the last window on the chromosome.
struct GeneChroms {
  std::vector<std::string> names;
  std::vector<std::int64_t> lengths;
  std::vector<std::size_t> genes;  // genes per chromosome
  std::vector<bool> sized;         // length came from chrom.sizes
};

GeneChroms gene_chroms(const std::vector<Gene>& genes, const WindowSpec& spec, const std::filesystem::path& chrom_sizes) {
  GeneChroms c;
  std::map<std::string, std::size_t> by_canonical;
  for (const Gene& g : genes) {
    const auto [it, inserted] = by_canonical.emplace(canonical_chrom(g.chrom), c.names.size());
    if (inserted) {
      c.names.push_back(g.chrom);
      c.lengths.push_back(1);
      c.genes.push_back(0);
      c.sized.push_back(false);
    }
    c.lengths[it->second] = std::max(c.lengths[it->second], spec.end(g.tss, g.strand));
    ++c.genes[it->second];
  }
  if (!chrom_sizes.empty()) {
    const ChromMatcher matcher(c.names);
    LineReader in(chrom_sizes.string());
    std::string_view line;
    std::vector<std::string_view> fields;
    while (in.next(line)) {
      if (line.empty() || line[0] == '#') continue;
      split(line, '\t', fields);
      if (fields.size() < 2) fail("{}: expected 'chrom<TAB>length'", in.where());
      const std::int64_t length = parse_int(fields[1], in.where(), "chromosome length");
      if (length <= 0) fail("{}: chromosome length must be positive, found {}", in.where(), length);
      if (const auto index = matcher.find(fields[0])) {
        c.lengths[*index] = length;
        c.sized[*index] = true;
      }
    }
  }
  return c;
}

// Per-thread map from the file's chromosome spelling to the gene chromosome index (-1: no genes)
// and to this thread's number for the spelling, with its canonical name (alias spellings share one),
// which tells intervals of the same chromosome apart from others whether or not genes lie on it.
class ChromCache {
 public:
  struct Entry {
    int index = -1;  // gene chromosome, -1: none
    int id = 0;      // into spellings() and canonical_names()
  };
  explicit ChromCache(const ChromMatcher* matcher) : matcher_(matcher) {}
  int find(std::string_view name) {
    if (name == last_name_) return last_.index;
    key_.assign(name.data(), name.size());
    auto it = seen_.find(key_);
    if (it == seen_.end()) {
      Entry entry;
      const auto index = matcher_->find(name);
      entry.index = index ? *index : -1;
      entry.id = static_cast<int>(spellings_.size());
      spellings_.push_back(key_);
      canonical_.push_back(canonical_chrom(name));
      it = seen_.emplace(key_, entry).first;
    }
    last_name_ = key_;
    last_ = it->second;
    return last_.index;
  }
  // The id of the name last passed to find().
  int last_id() const { return last_.id; }
  const std::unordered_map<std::string, Entry>& seen() const { return seen_; }
  const std::vector<std::string>& canonical_names() const { return canonical_; }
  const std::vector<std::string>& spellings() const { return spellings_; }

 private:
  const ChromMatcher* matcher_;
  std::unordered_map<std::string, Entry> seen_;
  std::vector<std::string> canonical_, spellings_;
  std::string key_, last_name_{"\n"};  // "\n" never names a chromosome
  Entry last_;
};

// After the pass: which gene chromosomes the file had. A file sharing none is an error (the
// whole matrix would be silent zeros); genes on the others are reported.
template <typename State>
std::vector<bool> chroms_present(tbb::enumerable_thread_specific<State>& states, const GeneChroms& chroms,
                                 const std::string& name, const std::string& genes_path, std::string_view what) {
  std::vector<bool> present(chroms.names.size(), false);
  std::set<std::string> file_chroms;
  for (const State& s : states)
    for (const auto& [chrom, entry] : s.cache.seen()) {
      file_chroms.insert(chrom);
      if (entry.index >= 0) present[static_cast<std::size_t>(entry.index)] = true;
    }
  std::size_t absent_genes = 0;
  std::vector<std::string> absent;
  for (std::size_t i = 0; i < present.size(); ++i)
    if (!present[i]) {
      absent_genes += chroms.genes[i];
      absent.push_back(chroms.names[i]);
    }
  if (file_chroms.empty()) fail("{}: no {} in the file", name, what);
  if (!chroms.names.empty() && absent.size() == chroms.names.size()) {
    std::vector<std::string> listed(file_chroms.begin(), file_chroms.end());
    if (listed.size() > 5) listed.resize(5), listed.push_back(fmt::format("... ({} in all)", file_chroms.size()));
    std::vector<std::string> gene_listed(chroms.names.begin(), chroms.names.begin() + std::min<std::size_t>(5, chroms.names.size()));
    fail("{}: shares no chromosome with {} (signal has {}; genes have {})", name, genes_path, fmt::join(listed, ", "),
         fmt::join(gene_listed, ", "));
  }
  if (absent_genes > 0)
    spdlog::warn("{} genes on chromosomes absent from {} get rows of zeros ({})", absent_genes, name,
                 fmt::join(absent, ", "));
  return present;
}

[[noreturn]] void bad_line(const std::string& name, std::uint64_t line, std::string_view message) {
  fail("{}:{}: {}", name, line, message);
}

std::string_view shown(std::string_view field) { return field.size() > 40 ? field.substr(0, 40) : field; }

// bedGraph intervals must not overlap (a base would count twice; bedGraphToBigWig refuses them too),
// in whatever order the lines come. While streaming, each thread cuts its lines into runs: maximal
// stretches of consecutive lines of one chunk on one chromosome where each interval starts at or
// after the previous one's end, so no two intervals of a run overlap and a run is summarised by its
// span. A sorted file has about one run per chunk and chromosome; unsorted files have more.
struct IntervalRun {
  int chrom = 0;     // file-wide id of the canonical chromosome name (set after the pass)
  int spelling = 0;  // the thread's ChromCache id, after the pass a file-wide id of the spelling
  std::int64_t start = 0, end = 0;
  std::uint64_t first_line = 0, last_line = 0;
};

class RunCutter {
 public:
  void add(int spelling, std::int64_t start, std::int64_t end, std::uint64_t line) {
    if (open_ && spelling == run_.spelling && start >= run_.end) {
      run_.end = end;
      run_.last_line = line;
      return;
    }
    close();
    run_ = IntervalRun{0, spelling, start, end, line, line};
    open_ = true;
  }
  // The next line is not the one after the last seen (a new chunk, or the end).
  void close() {
    if (open_) runs_.push_back(run_);
    open_ = false;
  }
  const std::vector<IntervalRun>& runs() const { return runs_; }

 private:
  std::vector<IntervalRun> runs_;
  IntervalRun run_;
  bool open_ = false;
};

struct LineInterval {
  int chrom = 0, spelling = 0;  // as in IntervalRun
  std::int64_t start = 0, end = 0;
  std::uint64_t line = 0;
};

// After the pass: runs whose spans are disjoint from every other run's cannot overlap anything.
// Runs in a group of overlapping spans are checked interval by interval: one-line runs are their
// interval; longer ones are read again (a second pass over the file, needed only when runs
// interleave on the genome). Sorting the intervals by start and comparing each with the
// furthest-reaching one before it finds an overlap if there is any; the error names both lines.
template <typename State>
void check_no_overlaps(tbb::enumerable_thread_specific<State>& states, const std::string& name, int threads) {
  std::map<std::string, int> chrom_ids, spelling_ids;  // file-wide ids
  std::vector<std::string> spelling;
  std::vector<IntervalRun> runs;
  for (const State& s : states) {
    const auto& names = s.cache.spellings();
    std::vector<int> chrom_of(names.size()), spelling_of(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      chrom_of[i] = chrom_ids.emplace(s.cache.canonical_names()[i], static_cast<int>(chrom_ids.size())).first->second;
      const auto [it, inserted] = spelling_ids.emplace(names[i], static_cast<int>(spelling.size()));
      if (inserted) spelling.push_back(names[i]);
      spelling_of[i] = it->second;
    }
    for (IntervalRun run : s.runs.runs()) {
      run.chrom = chrom_of[static_cast<std::size_t>(run.spelling)];
      run.spelling = spelling_of[static_cast<std::size_t>(run.spelling)];
      runs.push_back(run);
    }
  }
  std::sort(runs.begin(), runs.end(), [](const IntervalRun& a, const IntervalRun& b) {
    return std::tie(a.chrom, a.start, a.first_line) < std::tie(b.chrom, b.start, b.first_line);
  });
  std::vector<LineInterval> intervals;
  std::vector<IntervalRun> reread;  // multi-line runs of overlapping groups, by first line
  for (std::size_t i = 0; i < runs.size();) {
    std::size_t j = i + 1;
    std::int64_t reach = runs[i].end;
    while (j < runs.size() && runs[j].chrom == runs[i].chrom && runs[j].start < reach) reach = std::max(reach, runs[j++].end);
    if (j - i > 1)
      for (std::size_t k = i; k < j; ++k) {
        if (runs[k].first_line == runs[k].last_line)
          intervals.push_back({runs[k].chrom, runs[k].spelling, runs[k].start, runs[k].end, runs[k].first_line});
        else
          reread.push_back(runs[k]);
      }
    i = j;
  }
  if (intervals.empty() && reread.empty()) return;
  runs = {};  // release before the second pass

  if (!reread.empty()) {
    std::sort(reread.begin(), reread.end(),
              [](const IntervalRun& a, const IntervalRun& b) { return a.first_line < b.first_line; });
    spdlog::debug("{}: {} runs of intervals interleave on the genome; reading their lines again", name, reread.size());
    BgzfHandle fp = open_text(name, threads);
    tbb::enumerable_thread_specific<std::vector<LineInterval>> found;
    for_each_line_parallel(fp.get(), name, threads, [&](std::string_view line, std::uint64_t number, bool) {
      // Runs partition the lines they cover, so the last run starting at or before this line is the
      // only one that can hold it.
      const auto after = std::upper_bound(reread.begin(), reread.end(), number,
                                          [](std::uint64_t n, const IntervalRun& r) { return n < r.first_line; });
      if (after == reread.begin() || (after - 1)->last_line < number || is_header_line(line)) return;
      const char* p = line.data();
      const char* end = p + line.size();
      next_field(p, end);  // the chromosome: the run's
      const auto start = whole_int(next_field(p, end));
      const auto stop = whole_int(next_field(p, end));
      if (!start || !stop) bad_line(name, number, "changed while being read");
      found.local().push_back({(after - 1)->chrom, (after - 1)->spelling, *start, *stop, number});
    });
    for (const auto& part : found) intervals.insert(intervals.end(), part.begin(), part.end());
  }

  std::sort(intervals.begin(), intervals.end(), [](const LineInterval& a, const LineInterval& b) {
    return std::tie(a.chrom, a.start, a.end, a.line) < std::tie(b.chrom, b.start, b.end, b.line);
  });
  // Among the overlaps found, the one whose later line comes first in the file is reported.
  const LineInterval* later = nullptr;
  const LineInterval* earlier = nullptr;
  auto consider = [&](const LineInterval& a, const LineInterval& b) {
    const LineInterval* second = a.line > b.line ? &a : &b;
    const LineInterval* first = a.line > b.line ? &b : &a;
    if (!later || std::tie(second->line, first->line) < std::tie(later->line, earlier->line)) {
      later = second;
      earlier = first;
    }
  };
  const LineInterval* furthest = nullptr;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const LineInterval& x = intervals[i];
    if (furthest && furthest->chrom != x.chrom) furthest = nullptr;
    if (furthest) {
      if (x.start < intervals[i - 1].end) consider(intervals[i - 1], x);
      if (x.start < furthest->end) consider(*furthest, x);
    }
    if (!furthest || x.end > furthest->end) furthest = &x;
  }
  if (later)
    fail("{}:{}: interval {}:{}-{} overlaps line {} ({}:{}-{}); bedGraph intervals must not overlap", name,
         later->line, spelling[static_cast<std::size_t>(later->spelling)], later->start, later->end, earlier->line,
         spelling[static_cast<std::size_t>(earlier->spelling)], earlier->start, earlier->end);
}

}  // namespace

std::optional<TextSignalKind> sniff_text_signal(const std::filesystem::path& path) {
  BgzfHandle fp(bgzf_open(path.c_str(), "r"));
  if (!fp) return std::nullopt;
  std::string head(1 << 16, '\0');
  const ssize_t got = bgzf_read(fp.get(), head.data(), head.size());
  if (got == 0) fail("{}: empty file (no data after decompression)", path.string());
  if (got < 0) return std::nullopt;
  head.resize(static_cast<std::size_t>(got));
  if (head.find('\0') != std::string::npos) return std::nullopt;  // binary
  std::size_t at = 0;
  bool bedgraph_track = false;
  while (at < head.size()) {
    std::size_t end = head.find('\n', at);
    if (end == std::string::npos) {
      if (static_cast<std::size_t>(got) == (1u << 16)) break;  // a cut line proves nothing
      end = head.size();
    }
    std::string_view line(head.data() + at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_header_line(line)) {
      if (line.substr(0, 5) == "track" && line.find("type=bedGraph") != std::string_view::npos) bedgraph_track = true;
      continue;
    }
    const char* p = line.data();
    const char* stop = p + line.size();
    std::vector<std::string_view> fields;
    while (p < stop) fields.push_back(next_field(p, stop));
    if (fields.size() < 3 || !whole_int(fields[1]) || !whole_int(fields[2])) return std::nullopt;
    if (bedgraph_track) return TextSignalKind::BedGraph;
    if (fields.size() == 4 && to_double(fields[3])) return TextSignalKind::BedGraph;
    return TextSignalKind::Reads;
  }
  if (static_cast<std::size_t>(got) < (1u << 16))
    fail("{}: no data lines (only headers, comments or blank lines)", path.string());
  return std::nullopt;
}

std::vector<float> bin_text_reads(const std::filesystem::path& path, const std::vector<Gene>& genes,
                                  const WindowSpec& spec, const ReadCountOptions& reads,
                                  const TextSignalOptions& options, const std::string& genes_path,
                                  TextReadSummary* summary) {
  const std::string name = path.string();
  validate(reads);
  if (reads.split) fail("{}: --split needs CIGARs; tagAlign/BED reads have none", name);
  if (reads.min_mapq > 0 || reads.skip_secondary || reads.skip_supplementary || reads.proper_pairs_only)
    fail("{}: tagAlign/BED reads carry no MAPQ or flags; --min-mapq, --skip-secondary, --skip-supplementary and "
         "--proper-pairs apply to BAM/SAM/CRAM only",
         name);
  const GeneChroms chroms = gene_chroms(genes, spec, options.chrom_sizes);
  const GeneWindows windows(genes, spec, chroms.names, chroms.lengths, name, genes_path);
  const ChromMatcher matcher(chroms.names);
  const bool need_strand = reads.five_prime || reads.extend > 0;
  const std::size_t cells = genes.size() * static_cast<std::size_t>(windows.bins());
  // Opened before the first log line so that a truncated file gets a single error line.
  BgzfHandle fp = open_text(name, options.threads);
  spdlog::info("{}: tagAlign/BED reads, {} genes x {} bins on {} chromosomes", name, genes.size(), windows.bins(),
               chroms.names.size());

  struct State {
    explicit State(const ChromMatcher* m, std::size_t cells) : cache(m), counts(cells, 0) {}
    ChromCache cache;
    std::vector<std::uint32_t> counts;
    std::uint64_t lines = 0, in_windows = 0;
  };
  tbb::enumerable_thread_specific<State> states([&] { return State(&matcher, cells); });

  for_each_line_parallel(fp.get(), name, options.threads, [&](std::string_view line, std::uint64_t number, bool) {
    if (is_header_line(line)) return;
    State& s = states.local();
    const char* p = line.data();
    const char* end = p + line.size();
    const std::string_view chrom = next_field(p, end);
    const std::string_view start_field = next_field(p, end);
    const std::string_view end_field = next_field(p, end);
    const auto start = whole_int(start_field);
    const auto stop = whole_int(end_field);
    if (end_field.empty()) bad_line(name, number, "expected 'chrom start end [name score strand]' (3+ columns)");
    if (!start || *start < 0) bad_line(name, number, fmt::format("start '{}' is not a non-negative integer", shown(start_field)));
    if (!stop || *stop <= *start)
      bad_line(name, number, fmt::format("end '{}' is not an integer greater than start {}", shown(end_field), *start));
    bool reverse = false;
    if (need_strand) {
      next_field(p, end);  // name
      next_field(p, end);  // score
      const std::string_view strand = next_field(p, end);
      if (strand == "-") reverse = true;
      else if (strand != "+")
        bad_line(name, number,
                 strand.empty() ? std::string("--five-prime/--extend need the strand (6th column)")
                                : fmt::format("strand '{}' must be + or -", shown(strand)));
    }
    ++s.lines;
    const int index = s.cache.find(chrom);
    const ChromWindows* c = windows.chrom(index);
    if (!c) return;
    std::int64_t begin = *start, finish = *stop;
    if (shape_read(begin, finish, reverse, reads, c->length) &&
        add_read_blocks(windows, *c, &begin, &finish, 1, s.counts.data()))
      ++s.in_windows;
  });

  std::vector<std::uint32_t> total(cells, 0);
  TextReadSummary sum;
  for (const State& s : states) {
    for (std::size_t i = 0; i < cells; ++i) total[i] += s.counts[i];
    sum.lines += s.lines;
    sum.in_windows += s.in_windows;
  }
  chroms_present(states, chroms, name, genes_path, "reads");
  windows.warn_windows_off_chroms(name);
  spdlog::info("{}: {} reads, {} in gene windows", name, sum.lines, sum.in_windows);
  if (summary) *summary = sum;
  return std::vector<float>(total.begin(), total.end());
}

std::vector<float> bin_bedgraph(const std::filesystem::path& path, const std::vector<Gene>& genes,
                                const WindowSpec& spec, const BigWigOptions& track, const TextSignalOptions& options,
                                const std::string& genes_path) {
  const std::string name = path.string();
  const GeneChroms chroms = gene_chroms(genes, spec, options.chrom_sizes);
  const GeneWindows windows(genes, spec, chroms.names, chroms.lengths, name, genes_path);
  const ChromMatcher matcher(chroms.names);
  const int bins = windows.bins();
  const std::size_t cells = genes.size() * static_cast<std::size_t>(bins);
  const std::int64_t bin_size = spec.bin_size;
  const std::int64_t length = spec.length();
  BgzfHandle fp = open_text(name, options.threads);
  spdlog::info("{}: bedGraph, {} genes x {} bins on {} chromosomes", name, genes.size(), bins, chroms.names.size());

  // Sums of value x bases and covered bases per genomic bin (not yet oriented).
  struct State {
    explicit State(const ChromMatcher* m, std::size_t cells) : cache(m), sum(cells, 0.0), covered(cells, 0.0) {}
    ChromCache cache;
    std::vector<double> sum, covered;
    std::uint64_t lines = 0;
    RunCutter runs;
  };
  tbb::enumerable_thread_specific<State> states([&] { return State(&matcher, cells); });

  for_each_line_parallel(fp.get(), name, options.threads, [&](std::string_view line, std::uint64_t number, bool first) {
    State& s = states.local();
    if (first) s.runs.close();  // a new chunk: the previous line this thread saw is not the one before
    if (is_header_line(line)) return;
    const char* p = line.data();
    const char* end = p + line.size();
    const std::string_view chrom = next_field(p, end);
    const std::string_view start_field = next_field(p, end);
    const std::string_view end_field = next_field(p, end);
    const std::string_view value_field = next_field(p, end);
    if (value_field.empty() || p != end) bad_line(name, number, "expected 'chrom start end value' (4 columns)");
    const auto start = whole_int(start_field);
    const auto stop = whole_int(end_field);
    if (!start || *start < 0) bad_line(name, number, fmt::format("start '{}' is not a non-negative integer", shown(start_field)));
    if (!stop || *stop <= *start)
      bad_line(name, number, fmt::format("end '{}' is not an integer greater than start {}", shown(end_field), *start));
    double value = 0;
    const auto [ptr, ec] = std::from_chars(value_field.data(), value_field.data() + value_field.size(), value);
    if (ec != std::errc() || ptr != value_field.data() + value_field.size() || std::isinf(value))
      bad_line(name, number, fmt::format("value '{}' is not a number", shown(value_field)));
    ++s.lines;
    const int index = s.cache.find(chrom);
    s.runs.add(s.cache.last_id(), *start, *stop, number);
    if (std::isnan(value)) return;  // missing data, as a NaN stored in a bigWig
    const ChromWindows* c = windows.chrom(index);
    if (!c) return;
    const std::int64_t lo = std::max<std::int64_t>(*start, 0);
    const std::int64_t hi = std::min(*stop, c->length);
    if (lo >= hi) return;
    const auto [first_window, last_window] = windows.overlapping(*c, lo, hi);
    for (std::size_t i = first_window; i < last_window; ++i) {
      const GeneWindow& w = c->windows[i];
      double* sum = s.sum.data() + static_cast<std::size_t>(w.row) * bins;
      double* covered = s.covered.data() + static_cast<std::size_t>(w.row) * bins;
      add_track_interval(sum, covered, w.start, bin_size, std::max(lo, w.start), std::min(hi, w.start + length), value);
    }
  });

  for (State& s : states) s.runs.close();
  check_no_overlaps(states, name, options.threads);

  std::vector<double> sum(cells, 0.0), covered(cells, 0.0);
  std::uint64_t lines = 0;
  for (const State& s : states) {
    for (std::size_t i = 0; i < cells; ++i) {
      sum[i] += s.sum[i];
      covered[i] += s.covered[i];
    }
    lines += s.lines;
  }
  const std::vector<bool> present = chroms_present(states, chroms, name, genes_path, "intervals");
  windows.warn_windows_off_chroms(name);

  // The file's chromosomes, per gene: genes on absent ones keep zero rows (as for a bigWig).
  std::vector<float> matrix(cells, 0.0f);
  const bool nan_missing = track.missing == MissingData::Nan;
  for (std::size_t row = 0; row < genes.size(); ++row) {
    const auto index = matcher.find(genes[row].chrom);
    if (!index || !present[static_cast<std::size_t>(*index)]) continue;
    const bool reversed = spec.column(0, genes[row].strand) != 0;
    const std::size_t at = row * static_cast<std::size_t>(bins);
    write_track_means(sum.data() + at, covered.data() + at, bins, bin_size, nan_missing, reversed, matrix.data() + at);
  }
  spdlog::info("{}: {} intervals", name, lines);
  return matrix;
}

}  // namespace achrome
