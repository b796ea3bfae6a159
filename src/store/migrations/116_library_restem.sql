-- 116_library_restem.sql - the library's index made again (owner:
-- src/library, lib_index.c).  The stemmers of src/assistant undoubled a
-- final "consonant" byte by byte, so a word ending in a character whose
-- last two bytes are equal got a stem that was not UTF-8, and a doubled
-- digit lost one ("100en" gave "10"); now only letters are undoubled.
-- The stems come from C, so the rows go and the start makes them again
-- from the items with the stems of now (lib_reindex, src/app/app.c), as
-- after 091.  Library content is no client's data: nothing is lost.
DELETE FROM library_fts;
