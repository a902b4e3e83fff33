"""ai_stats_music"""
