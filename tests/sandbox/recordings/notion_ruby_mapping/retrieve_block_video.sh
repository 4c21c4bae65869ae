curl 'https://api.notion.com/v1/blocks/bed3abe0-2009-4aa9-9056-4844f981b07a' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
